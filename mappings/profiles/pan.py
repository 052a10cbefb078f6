"""The PaN profile: what photon and neutron datasets carry beyond DCAT-AP and schema.org's Dataset, in the
pankg vocabulary (mappings/pankg.ttl) with schema.org and QUDT where they have the term.

- how each PaNET technique was assigned (`pankg:TechniqueAssignment`);
- the structure database of a linked entry (`pankg:entryOf`);
- the instrument and its facility, and the samples, of a catalogue API's dataset;
- measured parameters: each a `schema:PropertyValue` (`schema:variableMeasured`) with the value and unit as
  published; when the value is a number and the unit is known (mappings/units.py) also a
  `qudt:QuantityValue` with `qudt:numericValue`, `qudt:unit`, and the value in the SI unit as
  `pankg:siValue` / `pankg:siUnit`, so one SPARQL filter works across facilities whatever unit each used.
  Unknown units keep `schema:unitText` and get `pankg:unknownUnit` (listed by `catalogue.unit_report()`).
"""

from __future__ import annotations

import json
import re
from typing import Any

from pyoxigraph import BlankNode, Literal, NamedNode

from mappings import iris
from mappings.model import DatasetRecord, Instrument, Parameter
from mappings.profiles.common import Out
from mappings.units import as_number, is_unitless, lookup
from mappings.vocab import (
    DCT,
    ENTRY_DATABASES,
    FOAF,
    PANKG,
    QUDT,
    QUDT_UNIT,
    RDF,
    RDFS,
    SDO,
    TECHNIQUE_METHODS,
    XSD,
)

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


def emit(rec: DatasetRecord, ds: NamedNode, out: Out, base_iri: str) -> None:
    for tech in rec.techniques:
        assignment = BlankNode()
        out.add(ds, PANKG.techniqueAssignment, assignment)
        out.add(assignment, RDF.type, PANKG.TechniqueAssignment)
        out.add(assignment, PANKG.technique, NamedNode(tech.iri))
        out.add(assignment, PANKG.method, TECHNIQUE_METHODS[tech.method])
        out.add(assignment, PANKG.sourceField, Literal(tech.field))
        out.add(assignment, PANKG.matchedText, Literal(tech.matched))
    for link in rec.entry_links:
        out.add(NamedNode(link.iri), PANKG.entryOf, ENTRY_DATABASES[link.database])
    for p in rec.parameters:
        _parameter(out, ds, p)
    if rec.instrument is not None:
        _instrument(out, ds, rec.instrument, rec.source, base_iri)
    for s in rec.samples:
        node: NamedNode | BlankNode = (
            NamedNode(iris.entity_iri("sample", rec.source, s.pid, base_iri)) if s.pid else BlankNode()
        )
        out.add(ds, PANKG.sample, node)
        out.add(node, RDF.type, PANKG.Sample)
        if s.pid:
            out.add(node, DCT.identifier, Literal(s.pid))
        if s.name:
            out.add(node, RDFS.label, Literal(s.name))
            out.add(node, SDO.name, Literal(s.name))
        if s.description:
            out.add(node, DCT.description, Literal(s.description))


def _instrument(out: Out, ds: NamedNode, ins: Instrument, source: str, base_iri: str) -> None:
    # An instrument with a resolvable PID (a PIDINST DOI) is that IRI; else one minted per source.
    pid_iri = ins.pid if ins.pid and re.match(r"^https?://\S+$", ins.pid) else None
    node = NamedNode(pid_iri or iris.entity_iri("instrument", source, ins.pid or ins.name, base_iri))
    out.add(ds, PANKG.instrument, node)
    out.add(ds, DCT.relation, node)
    out.add(node, RDF.type, PANKG.Instrument)
    out.add(node, RDFS.label, Literal(ins.name))
    out.add(node, SDO.name, Literal(ins.name))
    if ins.pid:
        out.add(node, DCT.identifier, Literal(ins.pid))
    if ins.facility:
        facility = NamedNode(iris.entity_iri("facility", source, ins.facility, base_iri))
        out.add(node, PANKG.facility, facility)
        out.add(facility, RDF.type, FOAF.Organization)
        out.add(facility, FOAF.name, Literal(ins.facility))
        out.add(facility, SDO.name, Literal(ins.facility))


def _value_literal(value: Any) -> Literal:
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


def _parameter(out: Out, ds: NamedNode, p: Parameter) -> None:
    node = BlankNode()
    out.add(ds, SDO.variableMeasured, node)
    out.add(node, RDF.type, SDO.PropertyValue)
    out.add(node, SDO.name, Literal(p.name))
    if p.value is not None:
        out.add(node, SDO.value, _value_literal(p.value))
    unit_text = p.unit.strip() if isinstance(p.unit, str) else None
    if unit_text and not is_unitless(unit_text):
        out.add(node, SDO.unitText, Literal(unit_text))
    number = as_number(p.value)
    if number is None:
        return
    out.add(node, RDF.type, QUDT.QuantityValue)
    out.add(node, QUDT.numericValue, _double(number))
    if is_unitless(unit_text):
        return
    unit = lookup(unit_text)
    if unit is not None:
        out.add(node, QUDT.unit, NamedNode(unit.iri))
        out.add(node, SDO.unitCode, NamedNode(unit.iri))
        out.add(node, PANKG.siValue, _double(unit.to_si(number)))
        out.add(node, PANKG.siUnit, NamedNode(unit.si_iri))
        return
    # Unknown to us: keep it as given; use the provider's own SI value only when it names an SI unit.
    si_number = as_number(p.value_si)
    si_code = SCICAT_SI_UNITS.get((p.unit_si or "").strip())
    if si_number is not None and si_code:
        out.add(node, PANKG.siValue, _double(si_number))
        out.add(node, PANKG.siUnit, QUDT_UNIT[si_code])
    out.add(node, PANKG.unknownUnit, Literal(unit_text or ""))
