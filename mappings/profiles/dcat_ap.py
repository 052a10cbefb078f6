"""The DCAT-AP 3 profile (with CiteDCAT-AP for DataCite's relations, roles and funding): dcat:Dataset and
what it points to. Plain fields come from tables; the structured parts (agents, dates, subjects, rights,
relations, funding, places, distributions, parts) each have a function.

Tables follow the JRC DataCite -> DCAT-AP crosswalk / CiteDCAT-AP (shared/data/crosswalks/).
"""

from __future__ import annotations

import re

from pyoxigraph import BlankNode, Literal, NamedNode

from mappings.model import Agent, DatasetRecord, Geo, Text
from mappings.profiles.common import (
    Field,
    Out,
    Subject,
    agent_node,
    agents,
    distributions,
    funder,
    iri_or_none,
    issued,
    landing_page,
    modified,
    part_iri,
    simple_fields,
    text_literal,
    typed_date,
    unique_licences,
    unique_techniques,
    wkt_polygon,
)
from mappings.vocab import (
    ACCESS_RIGHT,
    ADMS,
    CITEDCAT,
    CITO,
    DATA_THEME,
    DCAT,
    DCT,
    DCTYPE,
    DUV,
    EU_LANGUAGE,
    FOAF,
    GSP,
    IANA_MEDIA,
    LOCN,
    ORG,
    OWL,
    PANET_SCHEME,
    PAV,
    PROV,
    RDF,
    RDFS,
    SDO,
    SKOS,
    VCARD,
    WDRS,
    XSD,
)

# --- tables (JRC DataCite -> DCAT-AP / CiteDCAT-AP) --------------------------------------------------------

# relationType -> property. Entries absent here map to dct:relation (JRC "default").
RELATION_PROPERTIES: dict[str, NamedNode] = {
    "IsCitedBy": CITO.isCitedBy,
    "Cites": CITO.cites,
    "IsSupplementTo": CITEDCAT.isSupplementTo,
    "IsSupplementedBy": CITEDCAT.isSupplementedBy,
    "IsContinuedBy": CITEDCAT.isContinuedBy,
    "Continues": CITEDCAT.continues,
    "HasMetadata": FOAF.isPrimaryTopicOf,
    "IsMetadataFor": FOAF.primaryTopic,
    "IsNewVersionOf": DCT.isVersionOf,
    "IsVersionOf": DCT.isVersionOf,
    "IsPartOf": DCT.isPartOf,
    "HasPart": DCT.hasPart,
    "IsPublishedIn": DCT.isPartOf,
    "IsReferencedBy": DCT.isReferencedBy,
    "References": DCT.references,
    "IsDocumentedBy": FOAF.page,
    "IsCompiledBy": CITEDCAT.isCompiledBy,
    "Compiles": CITEDCAT.compiles,
    "IsVariantFormOf": CITEDCAT.isVariantFormOf,
    "IsOriginalFormOf": CITEDCAT.isOriginalFormOf,
    "IsIdenticalTo": OWL.sameAs,
    "IsReviewedBy": CITEDCAT.isReviewedBy,
    "Reviews": SDO.itemReviewed,
    "IsSourceOf": PROV.hadDerivation,
    "IsDescribedBy": WDRS.describedby,
    "Describes": CITEDCAT.describes,
    "Requires": DCT.requires,
    "IsRequiredBy": DCT.isRequiredBy,
    "Obsoletes": DCT.replaces,
    "IsObsoletedBy": DCT.isReplacedBy,
}

# JRC maps HasVersion / IsPreviousVersionOf / IsDerivedFrom to dct:hasVersion / dct:source, whose DCAT-AP 3
# range is a *described* dcat:Dataset (title, description mandatory) that a related identifier cannot supply.
# They become dct:relation plus pav:hasVersion / prov:wasRevisionOf / prov:wasDerivedFrom (see _relations).

# contributorType -> role property (besides dct:contributor, which every contributor gets).
CONTRIBUTOR_PROPERTIES: dict[str, NamedNode] = {
    "Distributor": DUV.hasDistributor,
    "Editor": SDO.editor,
    "Producer": SDO.producer,
    "RightsHolder": DCT.rightsHolder,
    "Sponsor": CITEDCAT.sponsor,
    "DataCollector": CITEDCAT.dataCollector,
    "DataCurator": CITEDCAT.dataCurator,
    "DataManager": CITEDCAT.dataManager,
    "HostingInstitution": CITEDCAT.hostingInstitution,
    "ProjectLeader": CITEDCAT.projectLeader,
    "ProjectManager": CITEDCAT.projectManager,
    "ProjectMember": CITEDCAT.projectMember,
    "RegistrationAgency": CITEDCAT.registrationAgency,
    "RegistrationAuthority": CITEDCAT.registrationAuthority,
    "Researcher": CITEDCAT.researcher,
    "ResearchGroup": CITEDCAT.researchGroup,
    "Supervisor": CITEDCAT.supervisor,
    "WorkPackageLeader": CITEDCAT.workPackageLeader,
}

# DataCite dateType -> DCMI property (JRC table; Collected/Coverage become dct:temporal).
DATE_PROPERTIES: dict[str, NamedNode] = {
    "Accepted": DCT.dateAccepted,
    "Available": DCT.available,
    "Copyrighted": DCT.dateCopyrighted,
    "Created": DCT.created,
    "Submitted": DCT.dateSubmitted,
    "Valid": DCT.valid,
}

RESOURCE_TYPES: dict[str, NamedNode] = {
    "Audiovisual": DCTYPE.MovingImage,
    "Collection": DCTYPE.Collection,
    "Dataset": DCTYPE.Dataset,
    "Event": DCTYPE.Event,
    "Image": DCTYPE.Image,
    "InteractiveResource": DCTYPE.InteractiveResource,
    "PhysicalObject": DCTYPE.PhysicalObject,
    "Service": DCTYPE.Service,
    "Software": DCTYPE.Software,
    "Sound": DCTYPE.Sound,
    "Text": DCTYPE.Text,
    "DataPaper": CITEDCAT.DataPaper,
    "Model": CITEDCAT.Model,
    "Workflow": CITEDCAT.Workflow,
    # DataCite 4.4+ types, folded into the nearest DCMI type
    "Book": DCTYPE.Text,
    "BookChapter": DCTYPE.Text,
    "ConferencePaper": DCTYPE.Text,
    "ConferenceProceeding": DCTYPE.Text,
    "Dissertation": DCTYPE.Text,
    "Journal": DCTYPE.Text,
    "JournalArticle": DCTYPE.Text,
    "OutputManagementPlan": DCTYPE.Text,
    "PeerReview": DCTYPE.Text,
    "Preprint": DCTYPE.Text,
    "Report": DCTYPE.Text,
    "Standard": DCTYPE.Text,
    "Film": DCTYPE.MovingImage,
    "ComputationalNotebook": DCTYPE.Software,
}

# ISO 639-1 -> EU Publications Office language authority (the codes seen in PaN records; others are skipped
# for dct:language but kept in schema:inLanguage).
EU_LANGUAGES = {
    "en": "ENG", "de": "DEU", "fr": "FRA", "it": "ITA", "es": "SPA", "nl": "NLD", "sv": "SWE", "da": "DAN",
    "fi": "FIN", "pl": "POL", "pt": "POR", "cs": "CES", "sk": "SLK", "sl": "SLV", "hu": "HUN", "el": "ELL",
    "et": "EST", "lv": "LAV", "lt": "LIT", "ro": "RON", "bg": "BUL", "hr": "HRV", "ga": "GLE", "mt": "MLT",
    "no": "NOR", "nb": "NOB", "ja": "JPN", "zh": "ZHO", "ru": "RUS", "la": "LAT", "ca": "CAT", "tr": "TUR",
}  # fmt: skip

_EU_CODES = frozenset(EU_LANGUAGES.values())

# (model attribute, predicate, kind): the fields that are one literal per value.
DATASET_FIELDS: tuple[Field, ...] = (
    ("titles", DCT.title, "text"),
    ("alt_titles", DCT.alternative, "text"),
    ("descriptions", DCT.description, "text"),
    ("comments", RDFS.comment, "text"),
    ("toc", DCT.tableOfContents, "text"),
    ("keywords", DCAT.keyword, "text"),
    ("citations", DCT.bibliographicCitation, "string"),
    ("version", DCAT.version, "string"),
)
AGENT_FIELDS: tuple[Field, ...] = (
    ("name", FOAF.name, "string"),
    ("given", FOAF.givenName, "string"),
    ("family", FOAF.familyName, "string"),
)
AGENT_PROPERTIES = {"creator": DCT.creator, "contributor": DCT.contributor, "publisher": DCT.publisher}
DATA_THEME_SCHEME = NamedNode("http://publications.europa.eu/resource/authority/data-theme")


def emit(rec: DatasetRecord, ds: NamedNode, out: Out, base_iri: str) -> None:
    out.add(ds, RDF.type, DCAT.Dataset)
    _identity(out, rec, ds)
    simple_fields(out, ds, rec, DATASET_FIELDS)
    for t in rec.methods:
        prov = BlankNode()
        out.add(ds, DCT.provenance, prov)
        out.add(prov, RDF.type, DCT.ProvenanceStatement)
        out.add(prov, RDFS.label, text_literal(t))
    _agents(out, rec, ds)
    _dates(out, rec, ds)
    _classification(out, rec, ds)
    _rights(out, rec, ds)
    _relations(out, rec, ds)
    _funding(out, rec, ds)
    for g in rec.geo:
        if g.place or g.point or g.box or g.polygon:
            out.add(ds, DCT.spatial, _location(out, g))
    _distributions(out, rec, ds)
    _techniques(out, rec, ds)
    for part in rec.parts:
        node = part_iri(rec, part.key, base_iri)
        out.add(ds, DCT.hasPart, node)
        if part.record is not None:
            out.add(node, DCT.isPartOf, ds)


def _identity(out: Out, rec: DatasetRecord, ds: NamedNode) -> None:
    out.add(ds, DCT.identifier, Literal(rec.doi or rec.handle or rec.oai_identifier))
    landing = iri_or_none(landing_page(rec))
    if landing is not None:
        out.add(ds, DCAT.landingPage, landing)
        out.add(landing, RDF.type, FOAF.Document)
    for value, id_type in rec.alternate_ids:
        ident = BlankNode()
        out.add(ds, ADMS.identifier, ident)
        out.add(ident, RDF.type, ADMS.Identifier)
        out.add(ident, SKOS.notation, Literal(value))
        if id_type:
            out.add(ident, ADMS.schemeAgency, Literal(id_type))


def agent(out: Out, key: tuple[object, ...], a: Agent) -> Subject:
    node = agent_node(out, key, a)
    # foaf:Agent always: the DCAT-AP range shapes check sh:class foaf:Agent without an ontology to infer it.
    out.add(node, RDF.type, FOAF.Agent)
    if a.kind == "person":
        out.add(node, RDF.type, FOAF.Person)
    elif a.kind == "organization":
        out.add(node, RDF.type, FOAF.Organization)
    simple_fields(out, node, a, AGENT_FIELDS)  # an affiliation given only by its ROR id has no name
    for j, affiliation in enumerate(a.affiliations):
        out.add(node, ORG.memberOf, agent(out, (*key, j), affiliation))
    return node


def _contact_point(out: Out, a: Agent) -> BlankNode:
    node = BlankNode()
    out.types(node, VCARD.Kind, VCARD.Individual if a.kind != "organization" else VCARD.Organization)
    out.add(node, VCARD.fn, Literal(a.name))
    uid = iri_or_none(a.iri)
    if uid is not None:
        out.add(node, VCARD.hasUID, uid)
    return node


def _agents(out: Out, rec: DatasetRecord, ds: NamedNode) -> None:
    for role, key, a in agents(rec):
        if role == "contributor" and a.role == "ContactPerson":
            out.add(ds, DCAT.contactPoint, _contact_point(out, a))
        node = agent(out, key, a)
        out.add(ds, AGENT_PROPERTIES[role], node)
        if role == "contributor":
            role_property = CONTRIBUTOR_PROPERTIES.get(a.role or "")
            if role_property is not None:
                out.add(ds, role_property, node)


def _dates(out: Out, rec: DatasetRecord, ds: NamedNode) -> None:
    first = issued(rec)
    if first is not None:
        out.add(ds, DCT.issued, first)
    last = modified(rec)
    if last is not None:
        out.add(ds, DCT.modified, last)
    for date_type, value in rec.dates:
        prop = DATE_PROPERTIES.get(date_type)
        if prop is not None:
            lit = typed_date(value)
            if lit is not None:
                out.add(ds, prop, lit)
        elif date_type in ("Collected", "Coverage") and "/" in value:
            start, _, end = value.partition("/")
            period = BlankNode()
            out.add(ds, DCT.temporal, period)
            out.add(period, RDF.type, DCT.PeriodOfTime)
            s_lit, e_lit = typed_date(start), typed_date(end)
            if s_lit is not None:
                out.add(period, DCAT.startDate, s_lit)
            if e_lit is not None:
                out.add(period, DCAT.endDate, e_lit)


def _classification(out: Out, rec: DatasetRecord, ds: NamedNode) -> None:
    if rec.language:
        code = re.split(r"[-_]", rec.language.strip().lower())[0]  # "en", "en-US", "en_US"
        eu = EU_LANGUAGES.get(code) or (code.upper() if code.upper() in _EU_CODES else None)  # "eng"
        if eu:
            lang_node = EU_LANGUAGE[eu]
            out.add(ds, DCT.language, lang_node)
            out.add(lang_node, RDF.type, DCT.LinguisticSystem)
    rtype = RESOURCE_TYPES.get(rec.resource_type_general or "")
    if rtype is not None:
        out.add(ds, DCT.type, rtype)
        out.add(rtype, RDF.type, SKOS.Concept)  # DCAT-AP: dct:type points to a skos:Concept with a prefLabel
        out.add(rtype, SKOS.prefLabel, Literal(rtype.value.rsplit("/", 1)[-1], language="en"))
    for st in rec.subjects:
        concept: Subject = iri_or_none(st.value_uri) or BlankNode()
        out.add(ds, DCT.subject, concept)
        out.add(concept, RDF.type, SKOS.Concept)
        out.add(concept, SKOS.prefLabel, text_literal(Text(st.value, st.lang)))
        scheme: Subject | None = iri_or_none(st.scheme_uri)
        if scheme is None and st.scheme:
            scheme = BlankNode()
        if scheme is not None:
            out.add(concept, SKOS.inScheme, scheme)
            out.add(scheme, RDF.type, SKOS.ConceptScheme)
            if st.scheme:
                out.add(scheme, DCT.title, Literal(st.scheme))


def _rights(out: Out, rec: DatasetRecord, ds: NamedNode) -> None:
    for lic in unique_licences(rec):
        node = NamedNode(lic.iri)
        out.add(ds, DCT.license, node)
        out.add(node, RDF.type, DCT.LicenseDocument)
        if lic.label:
            out.add(node, RDFS.label, Literal(lic.label))
    if rec.access_right:
        ar = ACCESS_RIGHT[rec.access_right]
        out.add(ds, DCT.accessRights, ar)
        out.add(ar, RDF.type, DCT.RightsStatement)
    for t in rec.rights_statements:
        rs = BlankNode()
        out.add(ds, DCT.rights, rs)
        out.add(rs, RDF.type, DCT.RightsStatement)
        out.add(rs, RDFS.label, text_literal(t))


def _relations(out: Out, rec: DatasetRecord, ds: NamedNode) -> None:
    for r in rec.related:
        target = iri_or_none(r.target)
        if target is None:
            continue
        prop = RELATION_PROPERTIES.get(r.relation or "", DCT.relation)
        out.add(ds, prop, target)
        if r.relation == "HasVersion":
            out.add(ds, PAV.hasVersion, target)
        elif r.relation == "IsPreviousVersionOf":
            out.add(target, PROV.wasRevisionOf, ds)  # stated from the newer version's side
        elif r.relation == "IsDerivedFrom":
            out.add(ds, PROV.wasDerivedFrom, target)
        if prop == FOAF.page:
            out.add(target, RDF.type, FOAF.Document)
    for link in rec.entry_links:
        entry = NamedNode(link.iri)
        out.add(ds, RELATION_PROPERTIES.get(link.relation or "", DCT.relation), entry)
        out.add(entry, DCT.identifier, Literal(link.accession))


def _funding(out: Out, rec: DatasetRecord, ds: NamedNode) -> None:
    """CiteDCAT-AP: dataset -isFundedBy-> foaf:Project -isAwardedBy-> funder."""
    for i, f in enumerate(rec.funding):
        project = iri_or_none(f.award_uri) or BlankNode()
        out.add(ds, CITEDCAT.isFundedBy, project)
        out.add(project, RDF.type, FOAF.Project)
        if f.award_number:
            out.add(project, DCT.identifier, Literal(f.award_number))
        if f.award_title:
            out.add(project, DCT.title, Literal(f.award_title))
        funding_agent = funder(f)
        if funding_agent is not None:
            node = agent(out, ("funder", i), funding_agent)
            out.add(project, CITEDCAT.isAwardedBy, node)
            if f.funder_id:
                out.add(node, DCT.identifier, Literal(f.funder_id))


def _location(out: Out, g: Geo) -> BlankNode:
    loc = BlankNode()
    out.add(loc, RDF.type, DCT.Location)
    if g.place:
        out.add(loc, LOCN.geographicName, Literal(g.place))
    if g.point:
        lat, lon = g.point
        out.add(loc, DCAT.centroid, Literal(f"POINT({lon} {lat})", datatype=GSP.wktLiteral))
    if g.box:
        out.add(loc, DCAT.bbox, Literal(wkt_polygon(*g.box), datatype=GSP.wktLiteral))
    elif g.polygon:
        # The two official DCAT-AP 3.0.1 shape sets disagree on locn:geometry (node vs literal): the polygon
        # goes to DCAT as its bounding box and stays exact in schema:GeoShape.
        lats, lons = [p[0] for p in g.polygon], [p[1] for p in g.polygon]
        box = wkt_polygon(min(lons), max(lons), min(lats), max(lats))
        out.add(loc, DCAT.bbox, Literal(box, datatype=GSP.wktLiteral))
    return loc


def _distributions(out: Out, rec: DatasetRecord, ds: NamedNode) -> None:
    """DCAT-AP: accessURL mandatory."""
    for d in distributions(rec):
        access = iri_or_none(d.access_url or d.download_url)
        if access is None:
            continue
        dist = BlankNode()
        out.add(ds, DCAT.distribution, dist)
        out.add(dist, RDF.type, DCAT.Distribution)
        out.add(dist, DCAT.accessURL, access)
        download_url = iri_or_none(d.download_url)
        if download_url is not None:
            out.add(dist, DCAT.downloadURL, download_url)
        if d.media_type:
            mt = IANA_MEDIA[d.media_type]
            out.add(dist, DCAT.mediaType, mt)
            out.add(mt, RDF.type, DCT.MediaType)
        if d.byte_size is not None:
            out.add(dist, DCAT.byteSize, Literal(str(d.byte_size), datatype=XSD.nonNegativeInteger))
        for lic in rec.licences[:1]:
            out.add(dist, DCT.license, NamedNode(lic.iri))
    if rec.files_access_url:
        access_url = NamedNode(rec.files_access_url)
        for f in rec.files:
            # The catalogue API names files but gives no download URL: the access URL is the landing page.
            dist = BlankNode()
            out.add(ds, DCAT.distribution, dist)
            out.add(dist, RDF.type, DCAT.Distribution)
            out.add(dist, DCT.title, Literal(f.name))
            out.add(dist, DCAT.accessURL, access_url)
            if f.size is not None and f.size >= 0:
                out.add(dist, DCAT.byteSize, Literal(str(f.size), datatype=XSD.nonNegativeInteger))


def _techniques(out: Out, rec: DatasetRecord, ds: NamedNode) -> None:
    if not rec.techniques:
        return
    # A PaN technique dataset is "science and technology" in the EU data-theme vocabulary, which DCAT-AP
    # asks dcat:theme to include; the PaNET class itself is punned as a skos:Concept of the PaNET scheme.
    tech = DATA_THEME.TECH
    out.add(ds, DCAT.theme, tech)
    out.add(tech, RDF.type, SKOS.Concept)
    out.add(tech, SKOS.prefLabel, Literal("Science and technology", language="en"))
    out.add(tech, SKOS.inScheme, DATA_THEME_SCHEME)
    for t in unique_techniques(rec):
        node = NamedNode(t.iri)
        out.add(ds, DCAT.theme, node)
        out.add(node, RDF.type, SKOS.Concept)
        out.add(node, SKOS.inScheme, PANET_SCHEME)
        out.add(node, SKOS.prefLabel, Literal(t.label, language="en"))
