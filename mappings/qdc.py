"""PaNdata qualified Dublin Core (``oai_qdc``, namespace ``http://pandata.org/pmh/oai_qdc/``) -> DatasetRecord.

ICAT's OAI-PMH data provider (PaNdata, jOAI serving files written by its ``get_data_from_icat.py``) served
ISIS investigations in this format: a ``oai_qdc:qdc`` root whose children are DC elements (read as oai_dc
reads them, mappings/oai_dc.py) and DCMI terms (``dcterms:issued``, ``dcterms:references``,
``dcterms:temporal``, ...). What its writer packs into single values is unpacked here:

- ``dc:relation`` = ``<instrument names>;RB<proposal>;<parameter name>;...``: the instruments as Python wrote
  the list (``['LARMOR']``), the ICAT investigation name (the proposal, ``RB`` + number), the names of the
  investigation's parameters;
- ``dc:publisher`` = ``<facility>;<facility full name>;<facility URL>;<instruments>``;
- ``dcterms:temporal`` = ``<start date>;<end date>`` (the experiment: DataCite's Collected date);
- ``dcterms:issued`` = ICAT's releaseDate, an SQL timestamp (``2014-06-11 09:00:00+01:00``).
"""

from __future__ import annotations

import re

from lxml import etree

from harvesters.safe_xml import parse_untrusted
from mappings import iris
from mappings.errors import MappingError
from mappings.formats import Document, Format
from mappings.model import Agent, DatasetRecord, Geo, Instrument, Parameter, SubjectTerm, Text
from mappings.oai_dc import add_rights, read_elements, relation
from mappings.values import clean_line, parse_date
from mappings.xmlutil import XML_LANG, local, markup_to_text, squash, text

QDC = "http://pandata.org/pmh/oai_qdc/"
DCTERMS = "http://purl.org/dc/terms/"
PREFIX = "oai_qdc"
_URL = re.compile(r"^https?://\S+$")

# dcterms date refinements -> DataCite dateType (the profiles decide the property of each type).
_DATE_TERMS = {
    "issued": "Issued", "created": "Created", "modified": "Updated", "available": "Available",
    "dateAccepted": "Accepted", "dateSubmitted": "Submitted", "dateCopyrighted": "Copyrighted",
    "valid": "Valid", "date": "",
}  # fmt: skip
# dcterms relation refinements -> DataCite relationType.
_RELATION_TERMS = {
    "references": "References", "isReferencedBy": "IsReferencedBy", "isPartOf": "IsPartOf",
    "hasPart": "HasPart", "isVersionOf": "IsVersionOf", "hasVersion": "HasVersion",
    "isReplacedBy": "IsObsoletedBy", "replaces": "Obsoletes", "requires": "Requires",
    "isRequiredBy": "IsRequiredBy", "isFormatOf": "IsVariantFormOf", "hasFormat": "HasVariantForm",
    "conformsTo": "", "relation": "", "source": "IsDerivedFrom",
}  # fmt: skip
# The writer's proposal token: "RB" + the ICAT investigation name (ISIS's RB numbers, "RB1510001").
_PROPOSAL = re.compile(r"^RB\s*\S*\d\S*$")


def _names(value: str) -> list[str]:
    """``['LARMOR', 'ZOOM']`` / ``[u'LARMOR']`` (a Python list written as text) or a plain name."""
    v = value.strip()
    if v.startswith("[") and v.endswith("]"):
        return [n.strip() for n in re.findall(r"""u?['"]([^'"]*)['"]""", v) if n.strip()]
    return [v] if v else []


def _unpack_relation(rec: DatasetRecord, value: str) -> bool:
    """The writer's packed relation (instruments;proposal;parameters). True when it was one."""
    parts = [p.strip() for p in value.split(";")]
    if len(parts) < 2 or not _PROPOSAL.match(parts[1]):
        return False
    names = _names(parts[0])
    if names and rec.instrument is None:
        rec.instrument = Instrument(pid=None, name=names[0])
    rec.subjects.append(SubjectTerm(parts[1].replace(" ", ""), "Proposal"))
    rec.parameters += [Parameter(name=p, value=None) for p in parts[2:] if p]
    return True


def _unpack_publisher(rec: DatasetRecord) -> None:
    """``ISIS;ISIS Neutron and Muon Source;http://...;['LARMOR']`` -> the facility's full name."""
    if rec.publisher is None or ";" not in rec.publisher.name:
        return
    parts = [p.strip() for p in rec.publisher.name.split(";")]
    name = parts[1] if len(parts) > 1 and parts[1] else parts[0]
    rec.publisher = Agent(name=name, kind="organization")
    if rec.instrument is not None and rec.instrument.facility is None and parts[0]:
        rec.instrument.facility = parts[0]
    homepage = next((p for p in parts[2:] if _URL.match(p)), None)
    if homepage and rec.landing_page is None and rec.doi is None:
        rec.landing_page = homepage


def _terms(qdc: etree._Element, rec: DatasetRecord) -> None:
    own = iris.doi_iri(rec.doi) if rec.doi else None
    for el in qdc:
        if not isinstance(el.tag, str) or not el.tag.startswith("{" + DCTERMS):
            continue
        name, value, lang = local(el), text(el), el.get(XML_LANG)
        if not value:
            continue
        if name in _DATE_TERMS:
            parsed = parse_date(value)
            rec.dates.append((_DATE_TERMS[name] or parsed.label or "", parsed.value))
        elif name == "temporal":  # the experiment's start and end
            parsed = parse_date(value)
            rec.dates.append(("Collected", parsed.value))
        elif name in _RELATION_TERMS:
            related = relation(value, _RELATION_TERMS[name] or None)
            if related.target is not None and related.target == own:  # ICAT references its own DOI
                continue
            rec.related.append(related)
        elif name == "abstract":
            rec.descriptions.append(Text(markup_to_text(value), lang))
        elif name == "alternative":
            rec.alt_titles.append(Text(clean_line(value), lang))
        elif name in ("license", "accessRights", "rights"):
            add_rights(rec, value, lang)
        elif name == "spatial":
            rec.geo.append(Geo(place=squash(value)))
        elif name == "bibliographicCitation":
            rec.citations.append(squash(value))


def read(payload: bytes, source: str, oai_identifier: str) -> DatasetRecord:
    try:
        root = parse_untrusted(payload)
    except etree.XMLSyntaxError as exc:
        raise MappingError(oai_identifier, "payload", f"not well-formed XML: {exc}") from None
    qdc = root if local(root) == "qdc" else next(root.iter("{" + QDC + "}qdc"), None)
    if qdc is None:
        raise MappingError(oai_identifier, "qdc", f"no oai_qdc:qdc element (root is <{local(root)}>)")
    rec = read_elements(qdc, source, oai_identifier)  # the DC elements; raises for a missing dc:title
    packed = [r for r in rec.related if r.target is None and _unpack_relation(rec, r.value)]
    rec.related = [r for r in rec.related if r not in packed]
    _unpack_publisher(rec)
    _terms(qdc, rec)
    return rec


def sniff(document: Document) -> str | None:
    if isinstance(document, etree._Element) and document.tag == "{" + QDC + "}qdc":
        return PREFIX
    return None


FORMATS = (Format("PaNdata qualified Dublin Core (oai_qdc, ICAT)", (PREFIX,), read, sniff),)
