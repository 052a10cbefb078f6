"""Real records for the validation tests, and ways to break them.

Valid records are the crosswalk's output for every real sample of ../shared/data (DataCite kernel 3/4
examples, DataCite REST API records, OAI-PMH pages) plus the official DCAT-AP 3.0.1 examples. Invalid records
are made here only by removing or breaking fields of those real records, never written by hand.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import pyoxigraph
from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from mappings import PanetIndex, crosswalk
from mappings.links import find_links
from shapes.files import FileError, FileRecord, read_records
from tests.support.sample_records import live_records
from tests.support.shared_data import shared

DCT = "http://purl.org/dc/terms/"
FOAF = "http://xmlns.com/foaf/0.1/"
SDO = "http://schema.org/"
PANKG = "https://w3id.org/pan-kg/ns#"
XSD = "http://www.w3.org/2001/XMLSchema#"


@dataclass(slots=True)
class Record:
    """A MappedRecord-like record (the crosswalk's MappedRecord has the same three fields)."""

    dataset_iri: str
    graph_iri: str
    triples: list[Triple]


def panet_path() -> str:
    return str(shared("panet", "PaNET-1.3.0.owl"))


@cache
def _panet_index() -> PanetIndex:
    return PanetIndex.load(panet_path())


@cache
def mapped_samples() -> tuple[Record, ...]:
    """The crosswalk's output for every live sample, one per graph IRI (some samples repeat a record)."""
    out: dict[str, Record] = {}
    for _, raw in live_records():
        m = crosswalk(raw, panet=_panet_index())
        out.setdefault(m.graph_iri, Record(m.dataset_iri, m.graph_iri, list(m.triples)))
    return tuple(out.values())


@cache
def dcat_ap_examples() -> tuple[FileRecord, ...]:
    """The official DCAT-AP 3.0.1 examples that parse (two published Turtle files are not valid Turtle)."""
    out = []
    for path in sorted(shared("dcat-ap", "examples-3.0.1").glob("example-*")):
        try:
            out.extend(read_records(path))
        except FileError:
            continue
    return tuple(out)


def has(rec: Record, predicate: str) -> bool:
    return any(t.subject.value == rec.dataset_iri and t.predicate.value == predicate for t in rec.triples)


def objects(rec: Record, predicate: str) -> list:
    return [
        t.object for t in rec.triples if t.subject.value == rec.dataset_iri and t.predicate.value == predicate
    ]


# The core fields some real samples lack as harvested (checked here in plain Python, independently of SHACL):
# a description (DataCite examples 10.5438/00xx, some OAI records) and, since mapping 1.1.0, a publication
# date the crosswalk can trust (two oai_dc records with only free-text dates).
GAPS = {
    "description": ("core:Dataset-description", DCT + "description"),
    "issued": ("core:Dataset-issued", DCT + "issued"),
}


def core_gaps(rec: Record) -> set[str]:
    """The shapes a record must fail because a core field is missing."""
    return {shape for shape, predicate in GAPS.values() if not has(rec, predicate)}


def valid_samples() -> list[Record]:
    """Samples that carry every core field."""
    return [r for r in mapped_samples() if not core_gaps(r)]


# --- breaking real records ------------------------------------------------------------------------------


def _replace(rec: Record, triples: list[Triple], tag: str) -> Record:
    return Record(rec.dataset_iri, f"{rec.graph_iri}#broken-{tag}", triples)


def drop(predicate: str) -> Callable[[Record], Record]:
    def fn(rec: Record) -> Record:
        keep = [
            t
            for t in rec.triples
            if not (t.subject.value == rec.dataset_iri and t.predicate.value == predicate)
        ]
        return _replace(rec, keep, "drop-" + predicate.rsplit("/", 1)[-1])

    return fn


def blank_titles(rec: Record) -> Record:
    out = [
        Triple(t.subject, t.predicate, Literal("   "))
        if t.subject.value == rec.dataset_iri and t.predicate.value == DCT + "title"
        else t
        for t in rec.triples
    ]
    return _replace(rec, out, "blank-title")


def untyped_issued(rec: Record) -> Record:
    """The publication date as a plain string (what a provider's free-text date field gives)."""
    out = [
        Triple(t.subject, t.predicate, Literal(t.object.value))
        if t.subject.value == rec.dataset_iri and t.predicate.value == DCT + "issued"
        else t
        for t in rec.triples
    ]
    return _replace(rec, out, "untyped-issued")


def second_publisher(rec: Record) -> Record:
    """A second dct:publisher: a creator of the record (an agent the record really names)."""
    publishers = objects(rec, DCT + "publisher")
    creator = next(c for c in objects(rec, DCT + "creator") if c not in publishers)
    return _replace(
        rec,
        [*rec.triples, Triple(NamedNode(rec.dataset_iri), NamedNode(DCT + "publisher"), creator)],
        "2-publishers",
    )


def nameless_creators(rec: Record) -> Record:
    creators = set(objects(rec, DCT + "creator"))
    out = [t for t in rec.triples if not (t.subject in creators and t.predicate.value == FOAF + "name")]
    return _replace(rec, out, "nameless-creators")


def retired_technique(rec: Record) -> Record:
    """The record's PaNET technique replaced by an id that is not a class of PaNET 1.3.0."""
    bogus = NamedNode("http://purl.org/pan-science/PaNET/PaNET99999")
    out = [
        Triple(t.subject, t.predicate, bogus)
        if t.subject.value == rec.dataset_iri and t.predicate.value == SDO + "measurementTechnique"
        else t
        for t in rec.triples
    ]
    return _replace(rec, out, "retired-technique")


def empiar_links() -> list[tuple[str, str, str]]:
    """(database, accession, IRI) of the entries the real EMPIAR-10934 entry names (EMDB map, itself)."""
    text = shared("pdb-emdb", "EMPIAR-10934.xml").read_text(encoding="utf-8")
    seen = {}
    for link in find_links(text):
        seen.setdefault(link.iri, (link.database, link.accession, link.iri))
    return list(seen.values())


def with_links(rec: Record, links: list[tuple[str, str, str]], tag: str = "links") -> Record:
    """The record linked to entries the way the crosswalk states them (dct:relation + pankg:entryOf)."""
    ds = NamedNode(rec.dataset_iri)
    extra = []
    for database, accession, iri in links:
        node = NamedNode(iri)
        extra += [
            Triple(ds, NamedNode(DCT + "relation"), node),
            Triple(node, NamedNode(DCT + "identifier"), Literal(accession)),
            Triple(node, NamedNode(PANKG + "entryOf"), NamedNode(PANKG + database)),
        ]
    return _replace(rec, rec.triples + extra, tag)


def truncated_links(rec: Record) -> Record:
    """EMPIAR-10934's real links with the last digit of each accession cut off (EMD-1260, EMPIAR-1093)."""
    broken = [(db, acc[:-1], iri[:-1]) for db, acc, iri in empiar_links()]
    return with_links(rec, broken, "truncated-links")


# --- varying IRIs (the bench's 10,000 records, the mixed batches) ---------------------------------------


def vary(rec: Record, n: int) -> Record:
    """A copy of a real record under new dataset / graph IRIs and fresh blank nodes (content unchanged)."""
    ds_old, ds_new = rec.dataset_iri, f"{rec.dataset_iri}/v{n}"
    blanks: dict[str, BlankNode] = {}

    def term(t):
        if isinstance(t, NamedNode) and t.value == ds_old:
            return NamedNode(ds_new)
        if isinstance(t, BlankNode):
            node = blanks.get(t.value)
            if node is None:
                node = blanks[t.value] = BlankNode()
            return node
        return t

    triples = [Triple(term(t.subject), t.predicate, term(t.object)) for t in rec.triples]
    return Record(ds_new, f"{rec.graph_iri}/v{n}", triples)


def varied(records: list[Record], count: int) -> list[Record]:
    return [vary(rec, i) for i, rec in zip(range(count), itertools.cycle(records), strict=False)]


def to_ntriples(rec: Record) -> str:
    return pyoxigraph.serialize(rec.triples, format=pyoxigraph.RdfFormat.N_TRIPLES).decode()
