"""OAI Dublin Core (``oai_dc:dc``) -> DatasetRecord. PSI serves only this format.

Dublin Core is flat and untyped, so the mapping is mostly one table; the few structured readings are:
a DOI among the identifiers (becomes the dataset IRI), the first http(s) identifier as landing page, rights
values sorted into licence / access right / statement, relations resolved to IRIs.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from lxml import etree

from harvesters.safe_xml import parse_untrusted
from mappings import iris
from mappings.errors import MappingError
from mappings.formats import Document, Format
from mappings.licences import classify_rights
from mappings.model import Agent, DatasetRecord, Distribution, Related, Text
from mappings.values import clean_line, creators_from_contributors, is_unknown_value, parse_date
from mappings.xmlutil import XML_LANG, find_first, local, markup_to_text, squash, text

DC = "http://purl.org/dc/elements/1.1/"
_URL = re.compile(r"^https?://\S+$")
# DSpace writes "application/pdf https://host/retrieve/2174/ERS 2003 073 MKT.pdf" (a file and its type).
_FORMAT_WITH_URL = re.compile(r"^([a-z]+/[a-z0-9.+-]+)\s+(https?://.+)$", re.IGNORECASE)
_DCMI_TYPES = {"dataset": "Dataset", "software": "Software", "text": "Text", "image": "Image",
               "collection": "Collection", "sound": "Sound", "movingimage": "Audiovisual",
               "interactiveresource": "InteractiveResource", "physicalobject": "PhysicalObject"}  # fmt: skip


def _agent(name: str) -> Agent:
    # "Family, Given" is how DC creators of persons are usually written; anything else stays an unknown agent.
    kind = "person" if re.match(r"^[^,\d]+,\s*[^,\d]+$", name) else None
    return Agent(name=name, kind=kind)


def _dates(values: list[str]) -> list[tuple[str, str]]:
    """DC dates: "Issued: 2018-01-18", "Created: 2021-06-14" (DataCite's oai_dc) keep their type; of the
    unlabelled ones, the first date without a time is the issue date (DSpace lists its system timestamps,
    accessioned and available, before the issue date "1999"), else the first one."""
    parsed = [parse_date(v) for v in values]
    dates = [(p.label, p.value) for p in parsed if p.label]
    plain = [p.value for p in parsed if not p.label]
    if plain and not any(label == "Issued" for label, _ in dates):
        dates.insert(0, ("Issued", next((d for d in plain if "T" not in d), plain[0])))
    return dates


def read(payload: bytes, source: str, oai_identifier: str) -> DatasetRecord:
    try:
        root = parse_untrusted(payload)
    except etree.XMLSyntaxError as exc:
        raise MappingError(oai_identifier, "payload", f"not well-formed XML: {exc}") from None
    dc = root if local(root) == "dc" else find_first(root, "dc")
    if dc is None:
        raise MappingError(oai_identifier, "dc", f"no oai_dc:dc element (root is <{local(root)}>)")
    return read_elements(dc, source, oai_identifier)


def read_elements(dc: etree._Element, source: str, oai_identifier: str) -> DatasetRecord:
    """The record of the Dublin Core elements (namespace DC) that are children of `dc`; qualified DC
    (mappings/qdc.py) reads its dcterms elements on top of it."""
    fields: dict[str, list[etree._Element]] = {}
    for el in dc:
        if isinstance(el.tag, str) and el.tag.startswith("{" + DC):
            fields.setdefault(local(el), []).append(el)

    def values(name: str) -> list[tuple[str, str | None]]:
        out = []
        for el in fields.get(name, ()):
            v = text(el)
            if v:
                out.append((v, el.get(XML_LANG)))
        return out

    rec = DatasetRecord(source=source, oai_identifier=oai_identifier)
    rec.titles = [Text(clean_line(v), lang) for v, lang in values("title")]
    if not rec.titles:
        raise MappingError(oai_identifier, "title", "no dc:title (DCAT-AP requires a title)")
    rec.descriptions = [Text(markup_to_text(v), lang) for v, lang in values("description")]
    rec.creators = [_agent(squash(v)) for v, _ in values("creator") if not is_unknown_value(v)]
    rec.contributors = [_agent(squash(v)) for v, _ in values("contributor") if not is_unknown_value(v)]
    creators_from_contributors(rec)
    publishers = values("publisher")
    if publishers:
        rec.publisher = Agent(name=squash(publishers[0][0]), kind="organization")
    rec.keywords = [Text(squash(v), lang) for v, lang in values("subject")]
    rec.dates += _dates([v for v, _ in values("date")])
    langs = values("language")
    if langs:
        rec.language = langs[0][0].strip()
    for v, _ in values("type"):
        key = v.rsplit("/", 1)[-1].strip().lower()
        if key in _DCMI_TYPES:
            rec.resource_type_general = _DCMI_TYPES[key]
            break
    for v, _ in values("format"):
        m = _FORMAT_WITH_URL.match(v.strip())
        if m:
            url = quote(m.group(2).strip(), safe=":/?#[]@!$&'()*+,;=%~")  # spaces in file names
            rec.distributions.append(Distribution(download_url=url, media_type=m.group(1).lower()))
        else:
            rec.formats.append(v.strip())

    for v, _ in values("identifier"):
        v = v.strip()
        doi = iris.normalise_doi(v)
        if doi and rec.doi is None:
            rec.doi = doi
        elif _URL.match(v) and rec.landing_page is None and not doi:
            rec.landing_page = v
        elif " " in v and len(v) > 40:  # DSpace puts the full citation of the work in dc:identifier
            rec.citations.append(v)
        elif v != oai_identifier:
            rec.alternate_ids.append((v, None))
    sources = values("source")
    if rec.doi is None:  # a DOI given only as the source (some repositories put the DOI in dc:source)
        own = next((i for i, (v, _) in enumerate(sources) if iris.normalise_doi(v)), None)
        if own is not None:
            rec.doi = iris.normalise_doi(sources.pop(own)[0])
    for v, _ in values("relation") + sources:
        rec.related.append(relation(v))

    for v, lang in values("rights"):
        add_rights(rec, v, lang)
    return rec


def relation(value: str, relation_type: str | None = None) -> Related:
    """A DC relation (or dcterms refinement): a DOI in any form links to its DOI IRI, a URL to itself."""
    v = value.strip()
    doi = iris.normalise_doi(v)
    target = iris.doi_iri(doi) if doi else (v if _URL.match(v) else None)
    return Related(v, "DOI" if doi else None, relation_type, target)


def add_rights(rec: DatasetRecord, value: str, lang: str | None) -> None:
    """A DC rights statement: a licence, an access right, or kept as the statement it is."""
    label = squash(value)
    lic, access = classify_rights(label, label if _URL.match(label) else None)
    if lic:
        rec.licences.append(lic)
    elif access:
        rec.access_right = rec.access_right or access
    else:
        rec.rights_statements.append(Text(label, lang))


def sniff(document: Document) -> str | None:
    return "oai_dc" if isinstance(document, etree._Element) and local(document) == "dc" else None


FORMATS = (Format("Dublin Core (oai_dc)", ("oai_dc",), read, sniff),)
