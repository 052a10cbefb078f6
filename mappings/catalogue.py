"""What the JSON catalogue formats (PaN search API, SciCat) have beyond the DataCite-shaped model:
measured parameters with units, the instrument and its facility, samples, files, and the datasets a
document groups. Emitted as a `DatasetRecord` extension, so the rest of the model stays shared.

Parameters: each becomes a `schema:PropertyValue` (`schema:variableMeasured`) with the value and unit as
published; when the value is a number and the unit is known (mappings/units.py) it is also a
`qudt:QuantityValue` with `qudt:numericValue`, `qudt:unit`, and the value in the SI unit as
`pankg:siValue` / `pankg:siUnit`, so one SPARQL filter works across facilities whatever unit each used.
Unknown units keep `schema:unitText` only and are listed by `unit_report()`.
"""

from __future__ import annotations

import json
import logging
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from mappings import iris
from mappings.errors import MappingError
from mappings.model import DatasetRecord, SubjectTerm, Technique, emit, typed_date
from mappings.units import as_number, is_unitless, lookup
from mappings.vocab import DCAT, DCT, FOAF, PANET, PANKG, QUDT, QUDT_UNIT, RDF, RDFS, SDO, XSD

log = logging.getLogger(__name__)

PANET_IRI = re.compile(r"(?:^|/|#)PaNET(\d{5})$")

Json = dict[str, Any]


def load_item(payload: bytes, identifier: str) -> Json:
    """The raw payload as a JSON object, or a MappingError naming what is wrong."""
    try:
        item = json.loads(payload)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MappingError(identifier, "payload", f"not JSON: {exc}") from None
    if not isinstance(item, dict):
        raise MappingError(identifier, "payload", f"expected a JSON object, got {type(item).__name__}")
    return item


def sniff_json(data: bytes) -> str:
    """The metadata prefix of one catalogue item given as a JSON file (for `pankg crosswalk FILE`)."""
    try:
        item = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"not JSON: {exc}") from None
    if not isinstance(item, dict):
        raise ValueError(f"expected one catalogue item (a JSON object), got {type(item).__name__}")
    if "pidArray" in item or ("creator" in item and "publicationYear" in item):
        return "scicat-published"
    if {"datasetName", "scientificMetadata", "sourceFolder"} & set(item):
        return "scicat-dataset"
    if "pid" in item and ({"datasets", "members"} & set(item) or {"type", "isPublic"} <= set(item)):
        return "panosc-document"
    raise ValueError(
        "JSON object of no known catalogue format (PaN Document, SciCat Dataset / PublishedData)"
    )


def text(item: Json, key: str, identifier: str, *, required: bool = False) -> str | None:
    """A string field; a number is accepted as its text, any other type is a MappingError."""
    value = item.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise MappingError(identifier, key, "missing")
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise MappingError(identifier, key, f"expected a string, got {type(value).__name__}")
    return str(value).strip()


def objects(item: Json, key: str, identifier: str) -> list[Json]:
    """A list-of-objects relation; items that are not objects are a MappingError (wrong type)."""
    value = item.get(key)
    if value is None:
        return []
    if isinstance(value, dict):  # a belongsTo relation included as one object
        return [value]
    if not isinstance(value, list):
        raise MappingError(identifier, key, f"expected a list, got {type(value).__name__}")
    bad = [type(v).__name__ for v in value if not isinstance(v, dict)]
    if bad:
        raise MappingError(identifier, key, f"expected objects, got {', '.join(sorted(set(bad)))}")
    return value


def date_value(value: Any) -> str | None:
    """An ISO date(-time) as a string, from a plain string or MongoDB's {"$date": ...}."""
    if isinstance(value, dict):
        value = value.get("$date")
    return value.strip() if isinstance(value, str) and value.strip() else None


def iso_date(value: Any) -> str | None:
    """A date(-time) the crosswalk can type (`typed_date`), else its date part, else None."""
    raw = date_value(value)
    if raw is None:
        return None
    if typed_date(raw) is not None:
        return raw
    return raw[:10] if typed_date(raw[:10]) is not None else None


def panet_iri(value: str | None) -> str | None:
    """`PaNET01168` or `http://purl.org/pan-science/PaNET/PaNET01168` -> the PaNET IRI; else None."""
    if not value:
        return None
    m = PANET_IRI.search(value.strip())
    return f"{PANET.iri}PaNET{m.group(1)}" if m else None


def add_technique(rec: DatasetRecord, iri: str, name: str | None, field_name: str) -> None:
    """An explicit PaNET assignment: kept as is without a PaNET index; with one, the crosswalk re-derives
    it from the subject's valueURI (method explicit-id) and drops ids PaNET does not define."""
    label = (name or iri.rsplit("/", 1)[-1]).rsplit(".", 1)[-1].replace("_", " ")
    if any(t.iri == iri for t in rec.techniques):
        return
    rec.techniques.append(Technique(iri, label, "explicit-id", field_name, iri.rsplit("/", 1)[-1]))
    rec.subjects.append(SubjectTerm(value=label, scheme="PaNET", value_uri=iri))


@dataclass(slots=True)
class Parameter:
    name: str
    value: Any
    unit: str | None = None
    # SciCat publishes its own SI conversion; used only when our table does not know the unit.
    value_si: Any = None
    unit_si: str | None = None


@dataclass(slots=True)
class Instrument:
    pid: str | None
    name: str
    facility: str | None = None


@dataclass(slots=True)
class Sample:
    pid: str | None
    name: str | None
    description: str | None = None


@dataclass(slots=True)
class DataFile:
    name: str
    path: str | None = None
    size: int | None = None


@dataclass
class CatalogueExtras:
    """The extension emitted after the shared model: called with (dataset IRI, base IRI)."""

    source: str
    parameters: list[Parameter] = field(default_factory=list)
    instrument: Instrument | None = None
    samples: list[Sample] = field(default_factory=list)
    files: list[DataFile] = field(default_factory=list)
    files_public: bool = False
    access_url: str | None = None  # where a file can be requested (the document's landing page)
    # Datasets described inside this record (PaN Documents include theirs): (key, record), the key being
    # what their IRI is minted from (iris.dataset_iri without DOI).
    parts: list[tuple[str, DatasetRecord]] = field(default_factory=list)
    # Datasets listed by key only, described by records of their own (SciCat published data's pidArray).
    part_links: list[str] = field(default_factory=list)

    def __call__(self, dataset_iri: str, base_iri: str) -> list[Triple]:
        out: list[Triple] = []
        ds = NamedNode(dataset_iri)
        for p in self.parameters:
            _parameter(out, ds, p)
        if self.instrument is not None:
            _instrument(out, ds, self.instrument, self.source, base_iri)
        for s in self.samples:
            _sample(out, ds, s, self.source, base_iri)
        # DCAT-AP wants an access URL on every distribution: files become distributions only when public and
        # reachable through a landing page.
        if self.files_public and self.access_url:
            for f in self.files:
                _file(out, ds, f, self.access_url)
        for key, part in self.parts:
            part_iri = iris.dataset_iri(None, self.source, key, base_iri)
            node = NamedNode(part_iri)
            out.extend(emit(part, part_iri, base_iri))
            out.extend(_part_of(ds, node))
        for key in self.part_links:
            node = NamedNode(iris.dataset_iri(None, self.source, key, base_iri))
            out.append(Triple(ds, DCT.hasPart, node))
            out.append(Triple(ds, SDO.hasPart, node))
        return out


def _part_of(whole: NamedNode, part: NamedNode) -> list[Triple]:
    return [
        Triple(whole, DCT.hasPart, part),
        Triple(whole, SDO.hasPart, part),
        Triple(part, DCT.isPartOf, whole),
        Triple(part, SDO.isPartOf, whole),
    ]


def _literal(value: Any) -> Literal:
    if isinstance(value, bool):
        return Literal(value)
    number = as_number(value) if not isinstance(value, str) else None
    if number is not None:
        return Literal(repr(number), datatype=XSD.double)
    if isinstance(value, str):
        return Literal(value)
    return Literal(json.dumps(value, ensure_ascii=False, sort_keys=True))


def _double(value: float) -> Literal:
    return Literal(repr(float(value)), datatype=XSD.double)


# SciCat's unitSI spellings (pint output) for the SI units, for its own valueSI fallback.
SCICAT_SI_UNITS = {
    "m": "M",
    "rad": "RAD",
    "K": "K",
    "kelvin": "K",
    "s": "SEC",
    "s^-1": "PER-SEC",
    "(kg m^2) / s^2": "J",
    "kg m^2 / s^2": "J",
    "J": "J",
    "Pa": "PA",
    "A": "A",
    "V": "V",
    "1/m": "PER-M",
}


def _parameter(out: list[Triple], ds: NamedNode, p: Parameter) -> None:
    node = BlankNode()
    out.append(Triple(ds, SDO.variableMeasured, node))
    out.append(Triple(node, RDF.type, SDO.PropertyValue))
    out.append(Triple(node, SDO.name, Literal(p.name)))
    if p.value is not None:
        out.append(Triple(node, SDO.value, _literal(p.value)))
    unit_text = p.unit.strip() if isinstance(p.unit, str) else None
    if unit_text and not is_unitless(unit_text):
        out.append(Triple(node, SDO.unitText, Literal(unit_text)))
    number = as_number(p.value)
    if number is None:
        return
    out.append(Triple(node, RDF.type, QUDT.QuantityValue))
    out.append(Triple(node, QUDT.numericValue, _double(number)))
    if is_unitless(unit_text):
        return
    unit = lookup(unit_text)
    if unit is not None:
        out.append(Triple(node, QUDT.unit, NamedNode(unit.iri)))
        out.append(Triple(node, SDO.unitCode, NamedNode(unit.iri)))
        out.append(Triple(node, PANKG.siValue, _double(unit.to_si(number))))
        out.append(Triple(node, PANKG.siUnit, NamedNode(unit.si_iri)))
        return
    # Unknown to us: keep it as given; use the provider's own SI value only when it names an SI unit.
    si_number = as_number(p.value_si)
    si_code = SCICAT_SI_UNITS.get((p.unit_si or "").strip())
    if si_number is not None and si_code:
        out.append(Triple(node, PANKG.siValue, _double(si_number)))
        out.append(Triple(node, PANKG.siUnit, QUDT_UNIT[si_code]))
    out.append(Triple(node, PANKG.unknownUnit, Literal(unit_text or "")))


def _instrument(out: list[Triple], ds: NamedNode, ins: Instrument, source: str, base_iri: str) -> None:
    node = NamedNode(iris.entity_iri("instrument", source, ins.pid or ins.name, base_iri))
    out.append(Triple(ds, PANKG.instrument, node))
    out.append(Triple(ds, DCT.relation, node))
    out.append(Triple(node, RDF.type, PANKG.Instrument))
    out.append(Triple(node, RDFS.label, Literal(ins.name)))
    out.append(Triple(node, SDO.name, Literal(ins.name)))
    if ins.pid:
        out.append(Triple(node, DCT.identifier, Literal(ins.pid)))
    if ins.facility:
        facility = NamedNode(iris.entity_iri("facility", source, ins.facility, base_iri))
        out.append(Triple(node, PANKG.facility, facility))
        out.append(Triple(facility, RDF.type, FOAF.Organization))
        out.append(Triple(facility, FOAF.name, Literal(ins.facility)))
        out.append(Triple(facility, SDO.name, Literal(ins.facility)))


def _sample(out: list[Triple], ds: NamedNode, s: Sample, source: str, base_iri: str) -> None:
    node: NamedNode | BlankNode = (
        NamedNode(iris.entity_iri("sample", source, s.pid, base_iri)) if s.pid else BlankNode()
    )
    out.append(Triple(ds, PANKG.sample, node))
    out.append(Triple(node, RDF.type, PANKG.Sample))
    if s.pid:
        out.append(Triple(node, DCT.identifier, Literal(s.pid)))
    if s.name:
        out.append(Triple(node, RDFS.label, Literal(s.name)))
        out.append(Triple(node, SDO.name, Literal(s.name)))
    if s.description:
        out.append(Triple(node, DCT.description, Literal(s.description)))


def _file(out: list[Triple], ds: NamedNode, f: DataFile, access_url: str) -> None:
    # The API names files but gives no download URL: the access URL is the landing page.
    dist = BlankNode()
    out.append(Triple(ds, DCAT.distribution, dist))
    out.append(Triple(dist, RDF.type, DCAT.Distribution))
    out.append(Triple(dist, DCT.title, Literal(f.name)))
    out.append(Triple(dist, DCAT.accessURL, NamedNode(access_url)))
    if f.size is not None and f.size >= 0:
        out.append(Triple(dist, DCAT.byteSize, Literal(str(f.size), datatype=XSD.nonNegativeInteger)))


def unit_report(triples: Iterable[Triple]) -> tuple[int, int, Counter[str]]:
    """(parameters with a number, of them with a QUDT unit IRI, unknown unit spellings with counts)."""
    numeric: set[BlankNode | NamedNode] = set()
    with_unit: set[BlankNode | NamedNode] = set()
    unknown: Counter[str] = Counter()
    for t in triples:
        if t.predicate == QUDT.numericValue:
            numeric.add(t.subject)  # type: ignore[arg-type]
        elif t.predicate == QUDT.unit:
            with_unit.add(t.subject)  # type: ignore[arg-type]
        elif t.predicate == PANKG.unknownUnit:
            unknown[t.object.value] += 1
    return len(numeric), len(with_unit), unknown
