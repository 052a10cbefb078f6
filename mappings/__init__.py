"""The crosswalk: raw record bytes -> DCAT-AP 3 + schema.org ``Dataset`` triples (pyoxigraph terms).

``crosswalk(record)`` picks the reader registered for ``record.metadata_prefix`` (one module per input format,
ckanext-dcat style, each declaring itself: mappings/formats.py), enriches the neutral DatasetRecord (PaNET
techniques, PDB/EMDB/EMPIAR/CXIDB links) and emits the triples of one named graph. Pure: no I/O, no global
state besides the immutable tables.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pyoxigraph

from harvesters.records import RawRecord
from harvesters.safe_xml import parse_untrusted
from mappings import datacite, iris, links, oai_dc, panosc, qdc, scicat
from mappings.errors import MappingError
from mappings.formats import Document, Format, Reader
from mappings.iris import DEFAULT_BASE_IRI
from mappings.model import DatasetRecord, Technique
from mappings.panet import PanetIndex
from mappings.profiles import emit
from mappings.xmlutil import local

__all__ = [
    "DEFAULT_BASE_IRI",
    "FORMATS",
    "MAPPING_VERSION",
    "REGISTERED",
    "Format",
    "MappedRecord",
    "MappingError",
    "PanetIndex",
    "Reader",
    "crosswalk",
    "sniff_format",
]

# Bump on any change of the emitted triples; it goes into the provenance of every stored graph.
MAPPING_VERSION = "1.1.0"

# The input format modules. Each declares its formats (`FORMATS`, see mappings/formats.py); a new format is
# a new module named here (docs/extending.md). Sniffers are asked in this order.
FORMAT_MODULES = (datacite, oai_dc, scicat, panosc, qdc)

# Every format, once.
REGISTERED: tuple[Format, ...] = tuple(fmt for module in FORMAT_MODULES for fmt in module.FORMATS)

# metadata prefix -> reader: what `crosswalk` dispatches on.
FORMATS: dict[str, Reader] = {prefix: fmt.read for fmt in REGISTERED for prefix in fmt.prefixes}


@dataclass(slots=True)
class MappedRecord:
    dataset_iri: str
    graph_iri: str
    triples: list[pyoxigraph.Triple]
    # What the reader did that a steward should know (DatasetRecord.findings), each naming the record.
    findings: list[str] = field(default_factory=list)

    def quads(self) -> list[pyoxigraph.Quad]:
        g = pyoxigraph.NamedNode(self.graph_iri)
        return [pyoxigraph.Quad(t.subject, t.predicate, t.object, g) for t in self.triples]


def sniff_format(data: bytes) -> str:
    """The format of a file: ``oai-pmh`` (a response page) or the metadata prefix the first registered format
    whose sniffer claims it gives (``datacite``, ``oai_datacite``, ``oai_dc``, ``panosc-document``, ...).

    Raises ValueError when it is none of them.
    """
    document: Document
    if data.lstrip()[:1] in (b"{", b"["):  # one catalogue item
        try:
            document = json.loads(data)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ValueError(f"not JSON: {exc}") from None
        if not isinstance(document, dict):
            raise ValueError(f"expected one catalogue item (a JSON object), got {type(document).__name__}")
    else:
        try:
            document = parse_untrusted(data)
        except Exception as exc:  # lxml raises several types
            raise ValueError(f"not XML: {exc}") from None
        if local(document) == "OAI-PMH":
            return "oai-pmh"
    for fmt in REGISTERED:
        if prefix := fmt.sniff(document):
            return prefix
    known = ", ".join(fmt.name for fmt in REGISTERED)
    if isinstance(document, dict):
        raise ValueError(f"JSON object of no known catalogue format (known formats: {known})")
    raise ValueError(f"unknown root element <{local(document)}> (known formats: {known})")


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
    ds_iri = iris.dataset_iri(rec.doi, record.source, record.identifier, base_iri, handle=rec.handle)
    try:
        triples = emit(rec, ds_iri, base_iri)
    except ValueError as exc:  # an IRI or literal pyoxigraph refuses: still a per-record error
        raise MappingError(record.identifier, "rdf", str(exc)) from None
    graph = iris.graph_iri(record.source, record.identifier, base_iri)
    return MappedRecord(ds_iri, graph, triples, [f"{record.identifier}: {f}" for f in rec.findings])
