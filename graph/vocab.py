"""RDF terms used by the graph modules, as pyoxigraph nodes."""

from __future__ import annotations

from datetime import UTC, date, datetime

from pyoxigraph import Literal, NamedNode


class _Namespace:
    """`NS.term` -> NamedNode(prefix + "term")."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    def __getattr__(self, name: str) -> NamedNode:
        return NamedNode(self.prefix + name)

    def __getitem__(self, name: str) -> NamedNode:
        return NamedNode(self.prefix + name)


RDF = _Namespace("http://www.w3.org/1999/02/22-rdf-syntax-ns#")
RDFS = _Namespace("http://www.w3.org/2000/01/rdf-schema#")
XSD = _Namespace("http://www.w3.org/2001/XMLSchema#")
PROV = _Namespace("http://www.w3.org/ns/prov#")
DCAT = _Namespace("http://www.w3.org/ns/dcat#")
DCT = _Namespace("http://purl.org/dc/terms/")
FOAF = _Namespace("http://xmlns.com/foaf/0.1/")
VOID = _Namespace("http://rdfs.org/ns/void#")
SD = _Namespace("http://www.w3.org/ns/sparql-service-description#")
SCHEMA = _Namespace("http://schema.org/")
QB = _Namespace("http://purl.org/linked-data/cube#")
SDMX_DIMENSION = _Namespace("http://purl.org/linked-data/sdmx/2009/dimension#")
SDMX_MEASURE = _Namespace("http://purl.org/linked-data/sdmx/2009/measure#")
# The node's vocabulary: one published namespace for every deployment, whatever its base IRI.
PANKG = "https://w3id.org/pan-kg/ns#"
PANKG_NS = _Namespace(PANKG)

TYPE = RDF.type

PREFIXES = {
    "rdf": RDF.prefix,
    "rdfs": RDFS.prefix,
    "xsd": XSD.prefix,
    "prov": PROV.prefix,
    "dcat": DCAT.prefix,
    "dct": DCT.prefix,
    "foaf": FOAF.prefix,
    "void": VOID.prefix,
    "sd": SD.prefix,
    "schema": SCHEMA.prefix,
    "qb": QB.prefix,
    "sdmx-dimension": SDMX_DIMENSION.prefix,
    "sdmx-measure": SDMX_MEASURE.prefix,
    "pankg": PANKG,
}


def datetime_literal(value: datetime) -> Literal:
    """xsd:dateTime in UTC; naive datetimes are refused because a tombstone or bookmark without a zone
    is ambiguous across facilities."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"timezone-aware datetime required, got naive {value!r}")
    text = value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return Literal(text, datatype=XSD.dateTime)


def date_or_datetime_literal(value: str | date | datetime) -> Literal:
    """OAI-PMH datestamps come at day or second granularity; keep the granularity the source gave."""
    if isinstance(value, datetime):
        return datetime_literal(value)
    if isinstance(value, date):
        return Literal(value.isoformat(), datatype=XSD.date)
    text = value.strip()
    if len(text) == 10:
        date.fromisoformat(text)  # raises on garbage
        return Literal(text, datatype=XSD.date)
    return datetime_literal(datetime.fromisoformat(text.replace("Z", "+00:00")))
