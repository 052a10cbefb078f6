"""A corpus of N DataCite records made by varying the real examples in ../shared/data/datacite, so that
every record is distinct and realistic in size and shape.

Record n is the example n mod 30 with its DOI, title, dates and creator names made unique, plus a PaNET
technique keyword, a PDB entry (every third record) and an EMDB entry (every fiftieth) among its related
identifiers, as PaN catalogues have them. `BenchCorpus` builds records on demand: the provider serves
600,000 without holding them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from typing import overload

from tests.support.corpus import datacite_resources
from tests.support.oai_server import ServedRecord

_IDENTIFIER = re.compile(rb"(<identifier identifierType=\"DOI\">)([^<]+)(</identifier>)")
_TITLE = re.compile(rb"(<title[^>]*>)([^<]+)(</title>)")
_CREATOR = re.compile(rb"(<creatorName[^>]*>)([^<,]+)(,[^<]*)?(</creatorName>)")
_ORCID = re.compile(rb"(\d{4}-\d{4}-\d{4}-)\d{3}[\dX]")
_RELATED_VERSION = re.compile(rb"(relationType=\"IsPreviousVersionOf\"[^>]*>)([^<]+)(<)")
_DATE = re.compile(rb"(<date [^>]*>)(\d{4})")
_PUBLICATION_YEAR = re.compile(rb"(<publicationYear>)(\d{4})(</publicationYear>)")
_SUBJECTS_END = re.compile(rb"</subjects>")
_RESOURCE_END = re.compile(rb"</resource>\s*$")
_RELATED_END = re.compile(rb"</relatedIdentifiers>")

TECHNIQUES = (
    b"small angle x-ray scattering",
    b"x-ray diffraction",
    b"neutron diffraction",
    b"small angle neutron scattering",
    b"x-ray absorption spectroscopy",
    b"x-ray fluorescence",
    b"ptychography",
    b"neutron reflectometry",
)
FAMILY_NAMES = (b"Garcia", b"Novak", b"Rossi", b"Schmidt", b"Dubois", b"Jensen", b"Kowalski", b"Silva")
# Distinct people: n mod _PEOPLE fixes both the example (n mod 30) and the family name (n mod 8).
_PEOPLE = 120
# Records changed for the warm scenario get this suffix in their title.
REVISED = b" (revised)"


def _pdb_id(n: int) -> bytes:
    alphabet = b"ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
    return b"%d%c%c%c" % (
        1 + n % 9,
        alphabet[n // 9 % 34],
        alphabet[n // 306 % 34],
        alphabet[n // 10404 % 34],
    )


# Where record n's own values go in an example's template. Bytes 0x01-0x08 cannot occur in XML 1.0, so
# they never clash with the example's text.
_N, _REVISED, _FAMILY, _PERSON, _YEAR, _TECHNIQUE, _RELATED, _RELATED_BLOCK = (
    bytes([c]) for c in range(1, 9)
)
_MARKER = re.compile(rb"([\x01-\x08])")


def template(resource: bytes) -> list[bytes]:
    """Example `resource` split where `vary` puts record n's values: text and one-byte markers alternate.

    Made once per example, so that the provider builds each record with one join instead of a dozen
    regular-expression passes over the whole resource (those were two thirds of its CPU)."""
    resource = _IDENTIFIER.sub(lambda m: m[1] + m[2] + b".bench-" + _N + m[3], resource, count=1)
    resource = _TITLE.sub(lambda m: m[1] + m[2] + b" (run " + _N + b")" + _REVISED + m[3], resource, count=1)
    resource = _CREATOR.sub(lambda m: m[1] + m[2] + b"-" + _FAMILY + (m[3] or b"") + m[4], resource)
    # One person per (example, family name): an ORCID always comes with the same name, as in real data.
    resource = _ORCID.sub(lambda m: m[1] + _PERSON, resource)
    # A previous version of record n is about record n only (its statements name the record's DOI).
    resource = _RELATED_VERSION.sub(lambda m: m[1] + m[2] + b".v" + _N + m[3], resource)
    resource = _DATE.sub(lambda m: m[1] + _YEAR, resource)
    resource = _PUBLICATION_YEAR.sub(lambda m: m[1] + _YEAR + m[3], resource)
    subject = b'<subject subjectScheme="keyword">' + _TECHNIQUE + b"</subject>"
    if _SUBJECTS_END.search(resource):
        resource = _SUBJECTS_END.sub(lambda m: subject + m[0], resource, count=1)
    else:
        resource = _RESOURCE_END.sub(lambda m: b"<subjects>" + subject + b"</subjects>" + m[0], resource)
    if _RELATED_END.search(resource):
        resource = _RELATED_END.sub(lambda m: _RELATED + m[0], resource, count=1)
    else:
        resource = _RESOURCE_END.sub(lambda m: _RELATED_BLOCK + m[0], resource)
    return _MARKER.split(resource)


def _related(n: int) -> bytes:
    related = b""
    if n % 3 == 0:
        related += (
            b'<relatedIdentifier relatedIdentifierType="URL" relationType="IsSupplementTo">'
            b"https://www.rcsb.org/structure/" + _pdb_id(n) + b"</relatedIdentifier>"
        )
    if n % 50 == 5:  # the EMDB entry of graph/queries/datasets-linked-to-pdb-emdb.rq
        related += (
            b'<relatedIdentifier relatedIdentifierType="URL" relationType="References">'
            b"https://www.ebi.ac.uk/emdb/EMD-12602</relatedIdentifier>"
        )
    return related


def render(parts: list[bytes], n: int, *, revised: bool = False) -> bytes:
    """Record n from its example's `template`."""
    related = _related(n)
    values = {
        _N: b"%d" % n,
        _REVISED: REVISED if revised else b"",
        _FAMILY: FAMILY_NAMES[n % len(FAMILY_NAMES)],
        _PERSON: b"%04d" % (n % _PEOPLE),
        _YEAR: b"%d" % (2005 + n % 20),
        _TECHNIQUE: TECHNIQUES[n % len(TECHNIQUES)],
        _RELATED: related,
        _RELATED_BLOCK: b"<relatedIdentifiers>" + related + b"</relatedIdentifiers>" if related else b"",
    }
    # Odd positions of a split with one capturing group are the markers.
    return b"".join([values[part] if i % 2 else part for i, part in enumerate(parts)])


def vary(resource: bytes, n: int, *, revised: bool = False) -> bytes:
    """Example `resource` made into the n-th distinct record."""
    return render(template(resource), n, revised=revised)


class BenchCorpus(Sequence[ServedRecord]):
    """N records, built when asked for. `changed` and `deleted` pick the records that the warm scenario
    revises (a new title, a later datestamp) and deletes (an OAI `deleted` header)."""

    def __init__(
        self,
        count: int,
        *,
        changed_every: int = 0,
        deleted_every: int = 0,
        start: datetime = datetime(2024, 1, 1),
    ) -> None:
        self.count = count
        self.changed_every = changed_every
        self.deleted_every = deleted_every
        self.start = start
        self.examples = [resource for _name, resource in datacite_resources()]
        self.templates = [template(resource) for resource in self.examples]

    def is_changed(self, n: int) -> bool:
        return bool(self.changed_every) and n % self.changed_every == 1

    def is_deleted(self, n: int) -> bool:
        return bool(self.deleted_every) and n % self.deleted_every == 2

    def record(self, n: int) -> ServedRecord:
        if not 0 <= n < self.count:
            raise IndexError(n)
        changed, deleted = self.is_changed(n), self.is_deleted(n)
        later = timedelta(days=400) if changed or deleted else timedelta()
        return ServedRecord(
            identifier=f"oai:pan-kg.bench:{n:07d}",
            datestamp=self.start + timedelta(seconds=n) + later,
            resource=b"" if deleted else render(self.templates[n % len(self.templates)], n, revised=changed),
            sets=["openaire_data"],
            deleted=deleted,
        )

    def __len__(self) -> int:
        return self.count

    @overload
    def __getitem__(self, index: int) -> ServedRecord: ...
    @overload
    def __getitem__(self, index: slice) -> list[ServedRecord]: ...
    def __getitem__(self, index: int | slice) -> ServedRecord | list[ServedRecord]:
        if isinstance(index, slice):
            return [self.record(n) for n in range(*index.indices(self.count))]
        return self.record(index + self.count if index < 0 else index)

    def __iter__(self) -> Iterator[ServedRecord]:
        return (self.record(n) for n in range(self.count))


def bench_records(count: int, start: datetime = datetime(2024, 1, 1)) -> Iterator[ServedRecord]:
    return iter(BenchCorpus(count, start=start))
