"""DataCite kernel 3 / 4 (bare ``<resource>`` or in the ``oai_datacite`` payload wrapper) -> DatasetRecord.

Namespace-tolerant on purpose: kernel-2.2, -3, -4 and the 4.x variants use the same local names, and some
providers serve kernel-4 content under an older namespace. Simple fields come from ``_SIMPLE``; only the
structured parts (agents, rights, relations, geo, funding) have code.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from lxml import etree

from harvesters.safe_xml import parse_untrusted
from mappings import iris
from mappings.errors import MappingError
from mappings.formats import Document, Format
from mappings.licences import classify_rights
from mappings.model import Agent, DatasetRecord, Funding, Geo, Instrument, Related, SubjectTerm, Text
from mappings.values import (
    clean_line,
    creators_from_contributors,
    is_unknown_value,
    parse_date,
    subject_scheme,
)
from mappings.xmlutil import XML_LANG, find_first, kid, kids, local, markup_to_text, squash, text

# (element local name, DatasetRecord attribute) for single-valued text fields.
_SIMPLE: tuple[tuple[str, str], ...] = (
    ("publicationYear", "publication_year"),
    ("language", "language"),
    ("version", "version"),
)

# relatedIdentifierType -> IRI builder (JRC identifier table, with today's https resolvers).
_ID_RESOLVERS = {
    "DOI": lambda v: iris.doi_iri(d) if (d := iris.normalise_doi(v)) else None,
    "URL": lambda v: v if re.match(r"^https?://\S+$", v) else None,
    "PURL": lambda v: v if re.match(r"^https?://\S+$", v) else None,
    "w3id": lambda v: v if re.match(r"^https?://\S+$", v) else None,
    "Handle": lambda v: "https://hdl.handle.net/" + re.sub(r"^(?:hdl:|https?://hdl\.handle\.net/)", "", v),
    "arXiv": lambda v: "https://arxiv.org/abs/" + re.sub(r"^(?:arxiv:)", "", v, flags=re.I),
    "PMID": lambda v: "https://pubmed.ncbi.nlm.nih.gov/" + v if v.isdigit() else None,
    "bibcode": lambda v: "https://ui.adsabs.harvard.edu/abs/" + v,
    "ARK": lambda v: "https://n2t.net/" + v if v.startswith("ark:") else None,
    "IGSN": lambda v: "https://doi.org/10273/" + v,
    "ISSN": lambda v: "urn:issn:" + v,
    "EISSN": lambda v: "urn:issn:" + v,
    "LISSN": lambda v: "urn:issn:" + v,
    "ISBN": lambda v: "urn:isbn:" + v.replace(" ", ""),
    "EAN13": lambda v: "urn:ean-13:" + v,
    "UPC": lambda v: "urn:upc:" + v,
    "URN": lambda v: v if v.lower().startswith("urn:") else None,
    "LSID": lambda v: v if v.lower().startswith("urn:lsid:") else None,
}
_NO_SPACE = re.compile(r"^\S+$")


def resolve_identifier(value: str, id_type: str | None) -> str | None:
    v = value.strip()
    if not v:
        return None
    resolver = _ID_RESOLVERS.get(id_type or "")
    if resolver is None:
        if iris.normalise_doi(v):
            return iris.doi_iri(iris.normalise_doi(v) or "")
        return v if re.match(r"^https?://\S+$", v) else None
    target = resolver(v)
    return target if target and _NO_SPACE.match(target) else None


def find_resource(root: etree._Element) -> etree._Element | None:
    if local(root) == "resource":
        return root
    payload = kid(root, "payload") if local(root) == "oai_datacite" else None
    if payload is not None:
        res = kid(payload, "resource")
        if res is not None:
            return res
    return find_first(root, "resource")


def _name_iri(el: etree._Element) -> tuple[str | None, str | None]:
    """(IRI, kind hint) from nameIdentifier / affiliationIdentifier children or attributes."""
    for ni in kids(el, "nameIdentifier"):
        scheme = (ni.get("nameIdentifierScheme") or "").upper()
        value = text(ni)
        if scheme == "ORCID" or "orcid.org" in value:
            iri = iris.orcid_iri(value)
            if iri:
                return iri, "person"
        if scheme == "ROR" or "ror.org" in value:
            iri = iris.ror_iri(value)
            if iri:
                return iri, "organization"
        if scheme == "ISNI" and value:
            return "https://isni.org/isni/" + value.replace(" ", ""), None
    return None, None


def _affiliations(el: etree._Element) -> list[Agent]:
    out = []
    for aff in kids(el, "affiliation"):
        name = squash(text(aff))
        ident = aff.get("affiliationIdentifier") or ""
        iri = iris.ror_iri(ident) if ident else None
        if name or iri:
            out.append(Agent(name=name, kind="organization", iri=iri))  # name may be empty: ROR only
    return out


def _agent(el: etree._Element, name_tag: str) -> Agent | None:
    name_el = kid(el, name_tag)
    given = squash(text(kid(el, "givenName"))) or None
    family = squash(text(kid(el, "familyName"))) or None
    name = squash(text(name_el))
    if not name:
        name = ", ".join(p for p in (family, given) if p)
    if not name:
        return None
    iri, hint = _name_iri(el)
    name_type = (name_el.get("nameType") if name_el is not None else None) or ""
    if name_type == "Personal" or (not name_type and (hint == "person" or given or family)):
        kind = "person"
    elif name_type == "Organizational" or hint == "organization":
        kind = "organization"
    else:
        kind = None
    return Agent(
        name=name,
        kind=kind,
        given=given,
        family=family,
        iri=iri,
        affiliations=_affiliations(el),
        role=el.get("contributorType"),
    )


def _floats(*values: str) -> tuple[float, ...] | None:
    try:
        return tuple(float(v) for v in values)
    except ValueError:
        return None


def _geo(el: etree._Element) -> Geo:
    g = Geo(place=squash(text(kid(el, "geoLocationPlace"))) or None)
    point = kid(el, "geoLocationPoint")
    if point is not None:
        lat, lon = text(kid(point, "pointLatitude")), text(kid(point, "pointLongitude"))
        if not lat and text(point):  # kernel-3: "lat lon"
            parts = text(point).split()
            lat, lon = [*parts, "", ""][:2]
        ll = _floats(lat, lon)
        if ll:
            g.point = (ll[0], ll[1])
    box = kid(el, "geoLocationBox")
    if box is not None:
        vals = [text(kid(box, n)) for n in ("westBoundLongitude", "eastBoundLongitude", "southBoundLatitude",
                                            "northBoundLatitude")]  # fmt: skip
        if not any(vals) and text(box):  # kernel-3: "south west north east"
            parts = (text(box).split() + [""] * 4)[:4]
            vals = [parts[1], parts[3], parts[0], parts[2]]
        wesn = _floats(*vals)
        if wesn:
            g.box = (wesn[0], wesn[1], wesn[2], wesn[3])
    poly = kid(el, "geoLocationPolygon")
    if poly is not None:
        pts = []
        for p in kids(poly, "polygonPoint"):
            ll = _floats(text(kid(p, "pointLatitude")), text(kid(p, "pointLongitude")))
            if ll:
                pts.append((ll[0], ll[1]))
        if len(pts) >= 4:
            g.polygon = pts
    return g


def _funding(el: etree._Element) -> Funding:
    f = Funding(funder_name=squash(text(kid(el, "funderName"))) or None)
    fid_el = kid(el, "funderIdentifier")
    if fid_el is not None and text(fid_el):
        fid, ftype = text(fid_el), (fid_el.get("funderIdentifierType") or "")
        f.funder_id = fid
        if ftype == "ROR" or "ror.org" in fid:
            f.funder_iri = iris.ror_iri(fid)
        elif ftype == "Crossref Funder ID" or iris.normalise_doi(fid) or fid.startswith("10.13039/"):
            doi = iris.normalise_doi(fid) or iris.normalise_doi("10.13039/" + fid.rsplit("/", 1)[-1])
            f.funder_iri = iris.doi_iri(doi) if doi else None
        elif fid.startswith("http"):
            f.funder_iri = fid
    award = kid(el, "awardNumber")
    if award is not None:
        f.award_number = squash(text(award)) or None
        uri = award.get("awardURI")
        f.award_uri = uri if uri and re.match(r"^https?://\S+$", uri) else None
    f.award_title = squash(text(kid(el, "awardTitle"))) or None
    return f


OPENAIRE_NS = "http://namespace.openaire.eu/schema/oaire/"


def _items(res: etree._Element, container: str, item: str) -> Iterator[etree._Element]:
    """The items of a DataCite list property. OpenAIRE-guidelines records (`oai_openaire`) write some of them
    without their container (``dc:description``, ``datacite:creator`` directly in the resource): those are
    read when the container is absent. Any namespace or none (kernel-3 payloads whose unprefixed
    ``creator`` falls into the oai_datacite wrapper's namespace are read the same way)."""
    box = kid(res, container)
    return kids(box, item) if box is not None else kids(res, item)


def _other_primary_identifier(rec: DatasetRecord, ident: etree._Element | None) -> None:
    """A primary identifier not typed DOI: a DOI written as a URL (``identifierType="URL"``,
    ``https://doi.org/10...``) is the DOI; a Handle is the dataset's Handle IRI; another http(s) URL is the
    landing page."""
    if ident is None:
        return
    raw = text(ident)
    id_type = (ident.get("identifierType") or "").strip().upper()
    if not raw:
        return
    doi = iris.normalise_doi(raw)
    if doi:
        rec.doi = doi
    elif id_type == "HANDLE" or raw.lower().startswith(
        ("hdl:", "https://hdl.handle.net/", "http://hdl.handle.net/")
    ):
        rec.handle = iris.normalise_handle(raw)
    elif re.match(r"^https?://\S+$", raw):
        rec.landing_page = rec.landing_page or raw


def _add_date(rec: DatasetRecord, date_type: str | None, value: str) -> None:
    """A date as the provider wrote it: "Created: 2021-06-14" (type in the value), "start;end" ranges."""
    parsed = parse_date(value)
    rec.dates.append((date_type or parsed.label or "", parsed.value))


# relationType IsCollectedBy (DataCite 4.5, PIDINST): "the data was collected by this instrument".
_INSTRUMENT_RELATIONS = {"iscollectedby"}


def _instrument_link(rec: DatasetRecord, relation: str | None, type_general: str | None, target: str | None,
                     name: str | None) -> bool:  # fmt: skip
    """An instrument PID (PIDINST DOI related by IsCollectedBy) is the record's instrument, not a related
    dataset. True when the relation was taken as the instrument."""
    if (relation or "").lower() not in _INSTRUMENT_RELATIONS or target is None:
        return False
    if type_general and type_general.lower() != "instrument":  # e.g. an article that collects the data
        return False
    if rec.instrument is None:
        rec.instrument = Instrument(pid=target, name=name or target)
        return True
    if rec.instrument.pid is None:  # named by a subject only: the PID identifies that instrument
        rec.instrument = Instrument(
            pid=target, name=name or rec.instrument.name, facility=rec.instrument.facility
        )
        return True
    return False  # a second instrument PID stays a relation


def _instrument_from_subject(rec: DatasetRecord, term: SubjectTerm) -> None:
    """ICAT+ (ESRF, ALBA, HZB) names the beamline as a subject of scheme Instrument, in any case."""
    if rec.instrument is None and term.scheme in ("Instrument", "Beamline"):
        rec.instrument = Instrument(pid=term.value_uri, name=term.value)


def read(payload: bytes, source: str, oai_identifier: str) -> DatasetRecord:
    try:
        root = parse_untrusted(payload)
    except etree.XMLSyntaxError as exc:
        raise MappingError(oai_identifier, "payload", f"not well-formed XML: {exc}") from None
    res = find_resource(root)
    if res is None:
        raise MappingError(
            oai_identifier, "resource", f"no DataCite <resource> element (root is <{local(root)}>)"
        )
    rec = DatasetRecord(source=source, oai_identifier=oai_identifier)

    ident = kid(res, "identifier")
    if ident is not None and (ident.get("identifierType") or "DOI").upper() == "DOI":
        raw = text(ident)
        if raw:
            doi = iris.normalise_doi(raw)
            if doi is None:
                raise MappingError(oai_identifier, "identifier", f"not a DOI: {raw!r}")
            rec.doi = doi
    if rec.doi is None:
        _other_primary_identifier(rec, ident)

    for tag, attr in _SIMPLE:
        value = squash(text(kid(res, tag)))
        if value:
            setattr(rec, attr, value)

    for t in _items(res, "titles", "title"):
        value = clean_line(text(t))
        if not value:
            continue
        ttype = t.get("titleType")
        target = rec.alt_titles if ttype in ("AlternativeTitle", "Subtitle") else rec.titles
        target.append(Text(value, t.get(XML_LANG)))
    if not rec.titles:
        if rec.alt_titles:  # a record with only a subtitle still has a name
            rec.titles.append(rec.alt_titles.pop(0))
        else:
            raise MappingError(oai_identifier, "titles", "no title (DataCite and DCAT-AP both require one)")

    for d in _items(res, "descriptions", "description"):
        value = markup_to_text(text(d).strip())
        if not value:
            continue
        t = Text(value, d.get(XML_LANG))
        dtype = d.get("descriptionType") or "Abstract"
        if dtype == "Abstract":
            rec.descriptions.append(t)
        elif dtype == "Methods":
            rec.methods.append(t)
        elif dtype == "TableOfContents":
            rec.toc.append(t)
        else:
            rec.comments.append(t)
    if not rec.descriptions and rec.comments:  # DCAT-AP needs a description; "Other" is the best there is
        rec.descriptions.append(rec.comments.pop(0))

    for c in _items(res, "creators", "creator"):
        a = _agent(c, "creatorName")
        if a and not is_unknown_value(a.name):  # ":unav", ":null": DataCite's "unknown", not a person
            rec.creators.append(a)
    for c in _items(res, "contributors", "contributor"):
        a = _agent(c, "contributorName")
        if a and not is_unknown_value(a.name):
            rec.contributors.append(a)
    creators_from_contributors(rec)

    pub = kid(res, "publisher")
    if pub is not None and squash(text(pub)):
        pid = pub.get("publisherIdentifier") or ""
        rec.publisher = Agent(
            name=squash(text(pub)), kind="organization", iri=iris.ror_iri(pid) if pid else None
        )

    for d in kids(kid(res, "dates"), "date"):
        value = squash(text(d))
        if value:
            _add_date(rec, d.get("dateType"), value)

    rt = kid(res, "resourceType")
    if rt is not None:
        rec.resource_type_general = rt.get("resourceTypeGeneral")
        rec.resource_type = squash(text(rt)) or None

    for s in kids(kid(res, "subjects"), "subject"):
        value = squash(text(s))
        if not value:
            continue
        scheme, scheme_uri, value_uri = s.get("subjectScheme"), s.get("schemeURI"), s.get("valueURI")
        scheme = subject_scheme(scheme)  # "instrument", "INSTRUMENT": one scheme
        code = s.get("classificationCode")
        if scheme or scheme_uri or value_uri or code:
            uri = value_uri if value_uri and re.match(r"^https?://\S+$", value_uri) else None
            rec.subjects.append(SubjectTerm(value, scheme, scheme_uri, uri, s.get(XML_LANG), code))
            _instrument_from_subject(rec, rec.subjects[-1])
        else:
            rec.keywords.append(Text(value, s.get(XML_LANG)))

    for a in kids(kid(res, "alternateIdentifiers"), "alternateIdentifier"):
        value = squash(text(a))
        if value:
            rec.alternate_ids.append((value, a.get("alternateIdentifierType")))

    for r in kids(kid(res, "relatedIdentifiers"), "relatedIdentifier"):
        value = squash(text(r))
        if value:
            id_type = r.get("relatedIdentifierType")
            resolved = resolve_identifier(value, id_type)
            if _instrument_link(rec, r.get("relationType"), r.get("resourceTypeGeneral"), resolved, None):
                continue
            rec.related.append(Related(value, id_type, r.get("relationType"), resolved))
    for item in kids(kid(res, "relatedItems"), "relatedItem"):
        rid = kid(item, "relatedItemIdentifier")
        if rid is not None and squash(text(rid)):
            value, id_type = squash(text(rid)), rid.get("relatedItemIdentifierType")
            resolved = resolve_identifier(value, id_type)
            name = clean_line(text(kid(kid(item, "titles"), "title"))) or None
            if _instrument_link(rec, item.get("relationType"), item.get("relatedItemType"), resolved, name):
                continue
            rec.related.append(Related(value, id_type, item.get("relationType"), resolved))

    rec.sizes = [squash(text(s)) for s in kids(kid(res, "sizes"), "size") if squash(text(s))]
    rec.formats = [squash(text(f)) for f in kids(kid(res, "formats"), "format") if squash(text(f))]

    for r in kids(kid(res, "rightsList"), "rights"):
        label = squash(text(r)) or None
        uri = r.get("rightsURI")
        if not (label or uri):
            continue
        lic, access = classify_rights(label, uri, r.get("rightsIdentifier"), r.get("rightsIdentifierScheme"))
        if lic:
            rec.licences.append(lic)
        elif access:
            rec.access_right = rec.access_right or access
        elif label:
            rec.rights_statements.append(Text(label, r.get(XML_LANG)))

    for g in kids(kid(res, "geoLocations"), "geoLocation"):
        rec.geo.append(_geo(g))
    for f in kids(kid(res, "fundingReferences"), "fundingReference"):
        rec.funding.append(_funding(f))
    return rec


def sniff(document: Document) -> str | None:
    """`oai_datacite` for the OAI wrapper, `datacite` for a bare resource in any kernel namespace or none
    (some providers strip it)."""
    if not isinstance(document, etree._Element):
        return None
    name = local(document)
    if name == "oai_datacite":
        return "oai_datacite"
    if name == "resource" and document.tag.startswith("{" + OPENAIRE_NS):
        return "oai_openaire"
    if name == "resource" and (
        "datacite.org/schema" in document.tag or kid(document, "identifier") is not None
    ):
        return "datacite"
    return None


FORMATS = (
    Format(
        "DataCite XML (kernel 3/4, bare or oai_datacite; OpenAIRE guidelines oai_openaire)",
        ("datacite", "oai_datacite", "oai_openaire"),
        read,
        sniff,
    ),
)
