"""What real providers send (issue 14, item 2): identifiers, namespaces and values, on real records from
../shared/data and on variants each test derives from them (the oddity written into a real record)."""

from __future__ import annotations

import html
import re

import pytest
from lxml import etree

from harvesters.records import RawRecord
from mappings import MappedRecord, crosswalk, datacite, sniff_format
from mappings.oaipmh import split_page
from mappings.values import parse_date
from mappings.vocab import DCT, PANKG, RDFS, SKOS
from tests.support.sample_records import SHARED

ESRF = SHARED / "datacite" / "rest-api" / "datacite-esrf-dc-2493599001.decoded.xml"
ESRF_DOI_IRI = "https://doi.org/10.15151/esrf-dc-2493599001"
KERNEL3 = SHARED / "datacite" / "kernel-3" / "datacite-example-full-v3.1.xml"
KERNEL4_FULL = SHARED / "datacite" / "kernel-4" / "datacite-example-full-v4.xml"
PIDINST = SHARED / "datacite" / "kernel-4" / "datacite-example-instrument-v4.xml"
VIRINGO_DC = SHARED / "oai-pmh" / "datacite-viringo" / "oai_getrecord_dc.xml"
ZENODO_DC = SHARED / "oai-pmh" / "zenodo-2024-01" / "get_record-00.xml"
K4 = b'xmlns="http://datacite.org/schema/kernel-4"'


def _map(payload: bytes, prefix: str = "datacite", identifier: str = "oai:esrf:1") -> MappedRecord:
    return crosswalk(RawRecord("esrf", identifier, "", prefix, payload))


def _objects(m: MappedRecord, predicate, subject: str | None = None) -> list[str]:
    subject = subject or m.dataset_iri
    return [t.object.value for t in m.triples if t.subject.value == subject and t.predicate == predicate]


def _read(payload: bytes) -> datacite.DatasetRecord:
    return datacite.read(payload, "esrf", "oai:esrf:1")


ESRF_BYTES = ESRF.read_bytes()
ESRF_IDENTIFIER = b'<identifier identifierType="DOI">10.15151/ESRF-DC-2493599001</identifier>'


# --- identifiers --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "identifier",
    [
        b'<identifier identifierType="URL">https://doi.org/10.15151/ESRF-DC-2493599001</identifier>',
        b'<identifier identifierType="DOI">doi:10.15151/ESRF-DC-2493599001</identifier>',
        b'<identifier identifierType="DOI">http://dx.doi.org/10.15151/ESRF-DC-2493599001</identifier>',
    ],
)
def test_a_doi_written_as_url_or_doi_colon_is_the_dataset_iri(identifier: bytes) -> None:
    assert ESRF_IDENTIFIER in ESRF_BYTES
    m = _map(ESRF_BYTES.replace(ESRF_IDENTIFIER, identifier))
    assert m.dataset_iri == ESRF_DOI_IRI
    assert _objects(m, DCT.identifier) == ["10.15151/esrf-dc-2493599001"]


def test_a_handle_as_primary_identifier_is_its_handle_iri() -> None:
    # ESS publishes its datasets under Handles of prefix 20.500.12269 (search-api-db/db-ESS.json).
    variant = ESRF_BYTES.replace(
        ESRF_IDENTIFIER, b'<identifier identifierType="Handle">20.500.12269/0f98fcf2-7bd7-430e</identifier>'
    )
    m = _map(variant)
    assert m.dataset_iri == "https://hdl.handle.net/20.500.12269/0f98fcf2-7bd7-430e"
    assert _objects(m, DCT.identifier) == ["20.500.12269/0f98fcf2-7bd7-430e"]
    # a Handle URL typed as URL is the same Handle
    url = variant.replace(
        b'identifierType="Handle">20.500', b'identifierType="URL">https://hdl.handle.net/20.500'
    )
    assert _map(url).dataset_iri == m.dataset_iri


def test_a_doi_only_in_dc_source_is_the_dataset_iri() -> None:
    (record,) = split_page(VIRINGO_DC.read_bytes(), "datacite")
    original = crosswalk(record)
    assert original.dataset_iri == "https://doi.org/10.5072/not-a-real-doi"
    moved = record.payload.replace(b"<dc:identifier>doi:10.5072/not-a-real-doi</dc:identifier>", b"").replace(
        b"<dc:subject>", b"<dc:source>https://doi.org/10.5072/not-a-real-doi</dc:source><dc:subject>"
    )
    assert b"dc:identifier" not in moved
    m = crosswalk(RawRecord("datacite", record.identifier, "", "oai_dc", moved))
    assert m.dataset_iri == original.dataset_iri
    assert original.dataset_iri not in _objects(m, DCT.relation)  # not a relation to itself


def test_an_instrument_pidinst_doi_is_the_instrument_not_a_related_dataset() -> None:
    pidinst = etree.parse(str(PIDINST)).getroot()
    instrument_doi = pidinst.findtext("{*}identifier")  # 10.82433/08QF-EE96, DataCite's PIDINST example
    assert instrument_doi
    related = (
        f'<relatedIdentifiers><relatedIdentifier relatedIdentifierType="DOI" relationType="IsCollectedBy"'
        f' resourceTypeGeneral="Instrument">{instrument_doi}</relatedIdentifier></relatedIdentifiers>'
    ).encode()
    variant = ESRF_BYTES.replace(b"<rightsList>", related + b"<rightsList>")
    rec = _read(variant)
    assert rec.related == []
    m = _map(variant)
    iri = "https://doi.org/10.82433/08qf-ee96"
    assert _objects(m, PANKG.instrument) == [iri]
    assert _objects(m, RDFS.label, iri) == ["BM05"]  # the instrument the subjects name, now with its PID
    # an article that "collects" the data (resourceTypeGeneral Other, DataCite's full example) stays related
    full = _read(KERNEL4_FULL.read_bytes())
    assert any(r.relation == "IsCollectedBy" for r in full.related)
    assert full.instrument is None


# --- namespaces --------------------------------------------------------------------------------------

OAI_DATACITE_NS = "http://schema.datacite.org/oai/oai-1.0/"


def _wrapped_kernel3_with_unprefixed_agents() -> bytes:
    """The kernel-3 example in the oai_datacite wrapper (default namespace), its elements prefixed
    ``datacite:`` except creator / creatorName / affiliation, which are unprefixed and so fall into the
    wrapper's namespace (as some kernel-3 providers serve them)."""
    text = KERNEL3.read_text(encoding="utf-8")
    text = re.sub(r"<\?xml[^>]*\?>", "", text)
    text = text.replace(
        'xmlns="http://datacite.org/schema/kernel-3"', 'xmlns:datacite="http://datacite.org/schema/kernel-3"'
    )

    def prefixed(m: re.Match[str]) -> str:
        name = m.group(2)
        keep = name in ("creator", "creatorName", "affiliation")
        return f"<{m.group(1)}{name}" if keep else f"<{m.group(1)}datacite:{name}"

    text = re.sub(r"<(/?)([A-Za-z][\w]*)", prefixed, text)
    return (
        f'<oai_datacite xmlns="{OAI_DATACITE_NS}"><schemaVersion>3.1</schemaVersion><payload>{text}'
        "</payload></oai_datacite>"
    ).encode()


def test_kernel3_agents_in_the_wrapper_namespace_are_read() -> None:
    original = _read(KERNEL3.read_bytes())
    payload = _wrapped_kernel3_with_unprefixed_agents()
    assert b"<creatorName>" in payload and b"<datacite:creators>" in payload  # unprefixed: the wrapper's
    assert sniff_format(payload) == "oai_datacite"
    rec = _read(payload)
    assert [a.name for a in rec.creators] == [a.name for a in original.creators] != []
    assert [a.name for a in rec.creators[0].affiliations] == [
        a.name for a in original.creators[0].affiliations
    ]


OAIRE = "http://namespace.openaire.eu/schema/oaire/"


def _openaire_variant() -> bytes:
    """The ESRF record written the OpenAIRE-guidelines way: the resource, title, description and creator in
    the oaire namespace, the description without its container, the rest kept in DataCite kernel-4."""
    root = etree.fromstring(ESRF_BYTES)
    root.tag = f"{{{OAIRE}}}resource"
    for el in list(root.iter()):
        if isinstance(el.tag, str) and etree.QName(el).localname in ("title", "description", "creator"):
            el.tag = f"{{{OAIRE}}}{etree.QName(el).localname}"
    descriptions = root.find("{*}descriptions")
    assert descriptions is not None
    for d in list(descriptions):
        root.append(d)
    root.remove(descriptions)
    return etree.tostring(root)


def test_openaire_guidelines_records_are_read() -> None:
    payload = _openaire_variant()
    assert sniff_format(payload) == "oai_openaire"
    original, rec = _read(ESRF_BYTES), _read(payload)
    assert [t.value for t in rec.titles] == [t.value for t in original.titles]
    assert [d.value for d in rec.descriptions] == [d.value for d in original.descriptions] != []
    assert [a.name for a in rec.creators] == [a.name for a in original.creators] != []
    m = _map(payload, "oai_openaire")
    assert m.dataset_iri == ESRF_DOI_IRI


# --- values ----------------------------------------------------------------------------------------------


def test_labelled_dc_dates_keep_their_type() -> None:
    """DataCite's own oai_dc writes "Issued: 2018-01-18", "Created: 2018-01-18", "Updated: ..."."""
    (record,) = split_page(VIRINGO_DC.read_bytes(), "datacite")
    assert b"<dc:date>Created: 2018-01-18</dc:date>" in record.payload
    m = crosswalk(record)
    assert _objects(m, DCT.issued) == ["2018-01-18"]
    assert not [t for t in m.triples if "Created:" in t.object.value or "Issued:" in t.object.value]
    only_created = record.payload.replace(b"<dc:date>2018</dc:date>", b"")
    only_created = only_created.replace(b"<dc:date>Issued: 2018-01-18</dc:date>", b"")
    rec = crosswalk(RawRecord("datacite", "x", "", "oai_dc", only_created))
    assert not [t for t in rec.triples if "Created:" in t.object.value]


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("Created: 2021-06-14", ("Created", "2021-06-14")),
        ("2021-06-14;2021-06-16", (None, "2021-06-14/2021-06-16")),
        ("2014-06-11 09:00:00+01:00;2014-06-13 18:00:00+01:00",
         (None, "2014-06-11T09:00:00+01:00/2014-06-13T18:00:00+01:00")),
        ("Collected: 2021-06-14 - 2021-06-16", ("Collected", "2021-06-14/2021-06-16")),
        ("2021", (None, "2021")),
        ("Nota bene: a date", (None, "Nota bene: a date")),  # not a date type: left as written
    ],
)  # fmt: skip
def test_date_values_are_parsed(written: str, read: tuple[str | None, str]) -> None:
    parsed = parse_date(written)
    assert (parsed.label, parsed.value) == read


def test_a_datacite_date_range_written_with_a_semicolon_is_a_range() -> None:
    variant = ESRF_BYTES.replace(
        b'<date dateType="Issued">2026</date>',
        b'<date dateType="Issued">2026</date><date dateType="Collected">2021-06-14;2021-06-16</date>'
        b"<date>Created: 2021-06-14</date>",
    )
    rec = _read(variant)
    assert ("Collected", "2021-06-14/2021-06-16") in rec.dates
    assert ("Created", "2021-06-14") in rec.dates


def test_creators_absent_are_taken_from_contributors_with_a_finding() -> None:
    payload = PIDINST.read_bytes()  # one creator (DECTRIS), one contributor (HZB, HostingInstitution)
    start, end = payload.index(b"<creators>"), payload.index(b"</creators>") + len(b"</creators>")
    variant = payload[:start] + payload[end:]
    rec = _read(variant)
    assert [a.name for a in rec.creators] == ["Helmholtz-Zentrum Berlin für Materialien und Energie"]
    assert rec.creators[0].iri == "https://ror.org/02aj13c28"
    m = _map(variant)
    assert any("contributor(s) were taken as creators" in f for f in m.findings)
    assert _objects(m, DCT.creator)
    assert _map(payload).findings == []  # a record with creators says nothing


def test_unknown_value_creators_are_no_people() -> None:
    names = [b"Choiniere,Jonah", b"Botha,Jennifer"]
    variant = ESRF_BYTES.replace(names[0], b":unav").replace(names[1], b"(:null) not given")
    rec = _read(variant)
    assert len(rec.creators) == len(_read(ESRF_BYTES).creators) - 2
    assert not [a for a in rec.creators if ":un" in a.name or ":null" in a.name]


def test_carriage_return_entities_in_titles_are_spaces() -> None:
    title = b"High-resolution raw tomographic dataset of Aleodon:"
    for escaped in (b"&#13;", b"&amp;#13;", b"&#xD;&#xA;", b"&amp;#xD;"):
        variant = ESRF_BYTES.replace(b"tomographic dataset", b"tomographic" + escaped + b"dataset")
        assert variant != ESRF_BYTES
        (value,) = [t.value for t in _read(variant).titles]
        assert value.startswith(title.decode()), (escaped, value)


def test_twice_escaped_html_in_abstracts_is_plain_text() -> None:
    """Zenodo's oai_dc sends the abstract's HTML escaped once more than XML needs; some send it twice."""
    (record,) = split_page(ZENODO_DC.read_bytes(), "zenodo")
    once = crosswalk(record)
    descriptions = _objects(once, DCT.description)
    assert descriptions and not [d for d in descriptions if "<p>" in d or "&lt;" in d]
    marker = b"<dc:description>"
    start = record.payload.index(marker) + len(marker)
    end = record.payload.index(b"</dc:description>", start)
    twice = html.escape(record.payload[start:end].decode(), quote=False).encode()
    variant = record.payload[:start] + twice + record.payload[end:]
    again = crosswalk(RawRecord("zenodo", record.identifier, "", "oai_dc", variant))
    assert _objects(again, DCT.description) == descriptions


@pytest.mark.parametrize("scheme", [b"instrument", b"INSTRUMENT", b"Instrument"])
def test_subject_schemes_in_another_case_are_the_same_scheme(scheme: bytes) -> None:
    variant = ESRF_BYTES.replace(b'subjectScheme="Instrument"', b'subjectScheme="' + scheme + b'"')
    m = _map(variant)
    (instrument,) = _objects(m, PANKG.instrument)
    assert _objects(m, RDFS.label, instrument) == ["BM05"]
    schemes = {
        t.object.value for t in m.triples if t.predicate == DCT.title and t.subject.value != m.dataset_iri
    }
    assert "Instrument" in schemes and scheme.decode() not in schemes - {"Instrument"}
    assert any(t.predicate == SKOS.inScheme for t in m.triples)
