"""What the output profiles share: the triple collector, the nodes two profiles describe together, typed
literals, the table-driven simple fields, and the values more than one profile derives from a record."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Literal as Kind

from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from mappings import iris
from mappings.licences import LicenceInfo
from mappings.model import Agent, DatasetRecord, Distribution, Funding, Technique, Text
from mappings.vocab import RDF, XSD

Subject = NamedNode | BlankNode

_LANG_TAG = re.compile(r"^[a-zA-Z]{1,8}(?:-[a-zA-Z0-9]{1,8})*$")
_GYEAR = re.compile(r"^-?\d{4}$")
_GYEARMONTH = re.compile(r"^\d{4}-\d{2}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?$")
_MEDIA_TYPE = re.compile(r"^[a-z]+/[a-z0-9.+-]+$", re.IGNORECASE)
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(bytes?|b|kb|mb|gb|tb|kib|mib|gib|tib)?\s*$", re.IGNORECASE)
_SIZE_FACTORS = {
    "b": 1, "byte": 1, "bytes": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12,
    "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40,
}  # fmt: skip


class Out:
    """Collects the triples of one dataset. Profiles describing the same thing (an agent on which DCAT-AP
    states foaf:name and schema.org schema:name) get the same node from `node`, keyed by where the thing
    occurs in the record, so a blank node is one node whichever profile mints it first."""

    __slots__ = ("_nodes", "triples")

    def __init__(self) -> None:
        self.triples: list[Triple] = []
        self._nodes: dict[tuple[object, ...], Subject] = {}

    def add(self, s: Subject, p: NamedNode, o: NamedNode | BlankNode | Literal) -> None:
        self.triples.append(Triple(s, p, o))

    def types(self, s: Subject, *classes: NamedNode) -> None:
        for c in classes:
            self.triples.append(Triple(s, RDF.type, c))

    def node(self, key: tuple[object, ...], make: Callable[[], Subject]) -> Subject:
        found = self._nodes.get(key)
        if found is None:
            found = self._nodes[key] = make()
        return found


# --- literals -------------------------------------------------------------------------------------------


def lang_tag(value: str | None) -> str | None:
    if value and _LANG_TAG.match(value.strip()):
        return value.strip().lower()
    return None


def typed_date(value: str) -> Literal | None:
    """A DataCite/DC date as the narrowest XSD type it is written in; None when it is none of them."""
    v = value.strip()
    if _DATE.match(v):
        return Literal(v, datatype=XSD.date)
    if _GYEAR.match(v):
        return Literal(v, datatype=XSD.gYear)
    if _GYEARMONTH.match(v):
        return Literal(v, datatype=XSD.gYearMonth)
    if _DATETIME.match(v):
        return Literal(v, datatype=XSD.dateTime)
    return None


def byte_size(value: str) -> int | None:
    m = _SIZE.match(value)
    if not m:
        return None
    unit = (m.group(2) or "b").lower()
    return int(float(m.group(1)) * _SIZE_FACTORS[unit])


def text_literal(t: Text) -> Literal:
    lang = lang_tag(t.lang)
    return Literal(t.value, language=lang) if lang else Literal(t.value)


def iri_or_none(value: str | None) -> NamedNode | None:
    if not value:
        return None
    try:
        return NamedNode(value)
    except ValueError:
        return None


# --- simple fields (ckanext-dcat style tables) ----------------------------------------------------------

# "text": a `Text` (language-tagged when it has a valid tag); "string": a plain literal.
Field = tuple[str, NamedNode, Kind["text", "string"]]


def simple_fields(out: Out, node: Subject, obj: object, table: Sequence[Field]) -> None:
    """One triple per value of each (model attribute, predicate, kind) row: every item of a list, a single
    value when it is set (a None or empty scalar states nothing)."""
    for attribute, predicate, kind in table:
        value = getattr(obj, attribute)
        values = value if isinstance(value, list) else ([value] if value else [])
        for v in values:
            out.add(node, predicate, text_literal(v) if kind == "text" else Literal(v))


# --- values several profiles derive ---------------------------------------------------------------------


def agent_node(out: Out, key: tuple[object, ...], agent: Agent) -> Subject:
    """The agent's PID IRI, else a blank node: its identity is only the record's statement about it."""
    return out.node(key, lambda: iri_or_none(agent.iri) or BlankNode())


def agents(rec: DatasetRecord) -> list[tuple[str, tuple[object, ...], Agent]]:
    """(role, node key, agent) of every agent the dataset names directly, in the record's order."""
    found: list[tuple[str, tuple[object, ...], Agent]] = [
        ("creator", ("creator", i), a) for i, a in enumerate(rec.creators)
    ]
    found += [("contributor", ("contributor", i), a) for i, a in enumerate(rec.contributors)]
    if rec.publisher:
        found.append(("publisher", ("publisher",), rec.publisher))
    return found


def funder(f: Funding) -> Agent | None:
    if not (f.funder_name or f.funder_iri):
        return None
    return Agent(name=f.funder_name or f.funder_iri or "", kind="organization", iri=f.funder_iri)


def landing_page(rec: DatasetRecord) -> str | None:
    return iris.doi_iri(rec.doi) if rec.doi else rec.landing_page


def issued(rec: DatasetRecord) -> Literal | None:
    found = next((typed_date(v) for t, v in rec.dates if t == "Issued" and typed_date(v)), None)
    if found is None and rec.publication_year:
        found = typed_date(rec.publication_year)
    return found


def modified(rec: DatasetRecord) -> Literal | None:
    """The last Updated date (DCAT-AP: at most one dct:modified)."""
    dates = [d for d in (typed_date(v) for t, v in rec.dates if t == "Updated") if d is not None]
    return max(dates, key=lambda lit: lit.value) if dates else None


def distributions(rec: DatasetRecord) -> list[Distribution]:
    """The record's distributions; DataCite gives only formats and sizes: then one at the landing page."""
    found = list(rec.distributions)
    media = [f.strip().lower() for f in rec.formats if _MEDIA_TYPE.match(f.strip())]
    sizes = [b for b in (byte_size(s) for s in rec.sizes) if b is not None]
    landing = landing_page(rec)
    if landing and (media or sizes) and not found:
        found.append(Distribution(access_url=landing, media_type=media[0] if media else None,
                                  byte_size=sizes[0] if sizes else None))  # fmt: skip
    return found


def part_iri(rec: DatasetRecord, key: str, base_iri: str) -> NamedNode:
    return NamedNode(iris.dataset_iri(None, rec.source, key, base_iri))


def unique_techniques(rec: DatasetRecord) -> list[Technique]:
    """The first assignment of each PaNET technique of the record (a technique may be assigned twice)."""
    first: dict[str, Technique] = {}
    for t in rec.techniques:
        first.setdefault(t.iri, t)
    return list(first.values())


def unique_licences(rec: DatasetRecord) -> list[LicenceInfo]:
    """Each licence once, as first given."""
    first: dict[str, LicenceInfo] = {}
    for lic in rec.licences:
        first.setdefault(lic.iri, lic)
    return list(first.values())


def wkt_polygon(west: float, east: float, south: float, north: float) -> str:
    return f"POLYGON(({west} {south},{west} {north},{east} {north},{east} {south},{west} {south}))"
