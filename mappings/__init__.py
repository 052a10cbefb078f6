"""The crosswalk: raw record bytes -> DCAT-AP 3 + schema.org ``Dataset`` triples (pyoxigraph terms).

``crosswalk(record)`` picks the reader registered for ``record.metadata_prefix`` (one module per input format,
ckanext-dcat style), enriches the neutral DatasetRecord (PaNET techniques, PDB/EMDB/EMPIAR/CXIDB links) and
emits the triples of one named graph. Pure: no I/O, no global state besides the immutable tables.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pyoxigraph

from harvesters.records import RawRecord
from mappings import datacite, iris, links, oai_dc, panosc, scicat
from mappings.catalogue import sniff_json
from mappings.errors import MappingError
from mappings.iris import DEFAULT_BASE_IRI
from mappings.model import DatasetRecord, Technique
from mappings.panet import PanetIndex
from mappings.profiles import emit
from mappings.xmlutil import local, parse_xml

__all__ = [
    "DEFAULT_BASE_IRI",
    "FORMATS",
    "MAPPING_VERSION",
    "MappedRecord",
    "MappingError",
    "PanetIndex",
    "crosswalk",
    "register_format",
    "sniff_format",
]

# Bump on any change of the emitted triples; it goes into the provenance of every stored graph.
MAPPING_VERSION = "1.1.0"

Reader = Callable[[bytes, str, str], DatasetRecord]

# metadataPrefix -> reader. A JSON catalogue format (panosc-api, scicat) is one more entry.
FORMATS: dict[str, Reader] = {
    "oai_datacite": datacite.read,
    "datacite": datacite.read,
    "oai_dc": oai_dc.read,
    panosc.PREFIX: panosc.read,
    scicat.DATASET_PREFIX: scicat.read_dataset,
    scicat.PUBLISHED_PREFIX: scicat.read_published,
}


def register_format(prefix: str, reader: Reader) -> None:
    FORMATS[prefix] = reader


@dataclass(slots=True)
class MappedRecord:
    dataset_iri: str
    graph_iri: str
    triples: list[pyoxigraph.Triple]

    def quads(self) -> list[pyoxigraph.Quad]:
        g = pyoxigraph.NamedNode(self.graph_iri)
        return [pyoxigraph.Quad(t.subject, t.predicate, t.object, g) for t in self.triples]


def sniff_format(data: bytes) -> str:
    """Guess the format of a file: ``oai-pmh`` (a response page), ``oai_datacite``, ``datacite``, ``oai_dc``,
    or a catalogue item's prefix (``panosc-document``, ``scicat-dataset``, ``scicat-published``).

    Raises ValueError when it is none of them.
    """
    head = data.lstrip()[:1]
    if head in (b"{", b"["):
        return sniff_json(data)  # one PaN search API / SciCat item
    try:
        root = parse_xml(data)
    except Exception as exc:  # lxml raises several types
        raise ValueError(f"not XML: {exc}") from None
    name = local(root)
    if name == "OAI-PMH":
        return "oai-pmh"
    if name == "oai_datacite":
        return "oai_datacite"
    if name == "resource" and ("datacite.org/schema" in root.tag or root.find("{*}identifier") is not None):
        return "datacite"  # any kernel namespace, or none (some providers strip it)
    if name == "dc":
        return "oai_dc"
    raise ValueError(f"unknown root element <{name}>")


def _techniques(rec: DatasetRecord, panet: PanetIndex) -> list[Technique]:
    terms = [("subject", s.value) for s in rec.subjects] + [("keyword", k.value) for k in rec.keywords]
    explicit = [("subject", s.value_uri) for s in rec.subjects if s.value_uri]
    explicit += [("subject", s.code) for s in rec.subjects if s.code]
    texts = [("title", t.value) for t in rec.titles]
    return [
        Technique(m.iri, m.label, m.method, fld, m.matched) for m, fld in panet.assign(terms, texts, explicit)
    ]


def _entry_links(rec: DatasetRecord) -> list[links.EntryLink]:
    found: list[links.EntryLink] = []
    for r in rec.related:
        found += links.find_links(r.value, r.relation, "related-identifier")
    for value, _ in rec.alternate_ids:
        found += links.find_links(value, None, "alternate-identifier")
    for t in rec.titles + rec.alt_titles + rec.descriptions:
        found += links.find_links(t.value)
    # The record's own DOI (e.g. an EMPIAR entry's 10.6019 DOI) is the dataset itself, not a link.
    own = {link.iri for link in links.find_links(rec.doi)} if rec.doi else set()
    return [link for link in links.dedupe(found) if link.iri not in own]


def crosswalk(
    record: RawRecord, *, base_iri: str = DEFAULT_BASE_IRI, panet: PanetIndex | None = None
) -> MappedRecord:
    """Map one raw record. Raises MappingError (never anything else for bad input) naming the field."""
    reader = FORMATS.get(record.metadata_prefix)
    if reader is None:
        known = ", ".join(sorted(FORMATS))
        raise MappingError(
            record.identifier,
            "metadata_prefix",
            f"unknown format {record.metadata_prefix!r} (known: {known})",
        )
    if not record.identifier.strip():
        raise MappingError(
            record.identifier, "identifier", "no OAI identifier: the record's graph has no key"
        )
    if record.deleted or not record.payload:
        raise MappingError(record.identifier, "payload", "deleted record or empty payload: nothing to map")
    try:
        rec = reader(record.payload, record.source, record.identifier)
    except MappingError:
        raise
    except Exception as exc:  # a reader bug on an odd record must not stop the batch; the message shows it
        raise MappingError(record.identifier, "record", f"{type(exc).__name__}: {exc}") from exc
    if panet is not None:
        rec.techniques = _techniques(rec, panet)
    rec.entry_links = _entry_links(rec)
    ds_iri = iris.dataset_iri(rec.doi, record.source, record.identifier, base_iri)
    try:
        triples = emit(rec, ds_iri, base_iri)
    except ValueError as exc:  # an IRI or literal pyoxigraph refuses: still a per-record error
        raise MappingError(record.identifier, "rdf", str(exc)) from None
    return MappedRecord(ds_iri, iris.graph_iri(record.source, record.identifier, base_iri), triples)
