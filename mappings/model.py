"""The format-neutral dataset description every input module fills in, and the one emitter turning it into
DCAT-AP 3 + schema.org triples.

Input modules (datacite.py, oai_dc.py, later panosc/scicat JSON) only *read*; this module alone decides RDF,
so a modelling change is made once for every format. Mapping tables follow the JRC DataCite -> DCAT-AP
crosswalk / CiteDCAT-AP and the JRC DCAT-AP -> schema.org alignment (shared/data/crosswalks/).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from mappings import iris
from mappings.licences import LicenceInfo
from mappings.links import EntryLink
from mappings.vocab import (
    ADMS,
    CITEDCAT,
    CITO,
    DATA_THEME,
    DCAT,
    DCT,
    DCTYPE,
    DUV,
    ENTRY_DATABASES,
    EU_LANGUAGE,
    FOAF,
    GSP,
    IANA_MEDIA,
    LOCN,
    ORG,
    OWL,
    PANET_SCHEME,
    PANKG,
    PAV,
    PROV,
    RDF,
    RDFS,
    SDO,
    SKOS,
    TECHNIQUE_METHODS,
    VCARD,
    WDRS,
    XSD,
)

Subject = NamedNode | BlankNode


@dataclass(slots=True)
class Text:
    value: str
    lang: str | None = None


@dataclass(slots=True)
class Agent:
    name: str
    kind: str | None = None  # "person" | "organization" | None (unknown)
    given: str | None = None
    family: str | None = None
    iri: str | None = None  # ORCID / ROR / other PID IRI
    affiliations: list[Agent] = field(default_factory=list)
    role: str | None = None  # DataCite contributorType


@dataclass(slots=True)
class SubjectTerm:
    value: str
    scheme: str | None = None
    scheme_uri: str | None = None
    value_uri: str | None = None
    lang: str | None = None
    code: str | None = None  # DataCite 4.4 classificationCode


@dataclass(slots=True)
class Related:
    value: str
    id_type: str | None
    relation: str | None
    target: str | None = None  # resolved IRI, None when the identifier cannot be an IRI


@dataclass(slots=True)
class Funding:
    funder_name: str | None = None
    funder_iri: str | None = None
    funder_id: str | None = None
    award_number: str | None = None
    award_uri: str | None = None
    award_title: str | None = None


@dataclass(slots=True)
class Geo:
    place: str | None = None
    point: tuple[float, float] | None = None  # (lat, lon)
    box: tuple[float, float, float, float] | None = None  # (west, east, south, north)
    polygon: list[tuple[float, float]] | None = None  # [(lat, lon), ...]


@dataclass(slots=True)
class Distribution:
    """One way to get the data. DataCite gives only formats and sizes (access URL = landing page); some
    oai_dc providers give "media/type URL" pairs (a download URL)."""

    access_url: str | None = None
    download_url: str | None = None
    media_type: str | None = None
    byte_size: int | None = None


@dataclass(slots=True)
class Technique:
    """One PaNET assignment and how it was made (explicit-id | label | synonym | text)."""

    iri: str
    label: str
    method: str
    field: str
    matched: str


@dataclass(slots=True)
class DatasetRecord:
    source: str
    oai_identifier: str
    doi: str | None = None
    titles: list[Text] = field(default_factory=list)
    alt_titles: list[Text] = field(default_factory=list)
    descriptions: list[Text] = field(default_factory=list)
    comments: list[Text] = field(default_factory=list)  # DataCite "Other"/"TechnicalInfo"/"SeriesInformation"
    methods: list[Text] = field(default_factory=list)
    toc: list[Text] = field(default_factory=list)
    creators: list[Agent] = field(default_factory=list)
    contributors: list[Agent] = field(default_factory=list)
    publisher: Agent | None = None
    publication_year: str | None = None
    dates: list[tuple[str, str]] = field(default_factory=list)  # (dateType, value)
    language: str | None = None
    resource_type_general: str | None = None
    resource_type: str | None = None
    subjects: list[SubjectTerm] = field(default_factory=list)
    keywords: list[Text] = field(default_factory=list)
    version: str | None = None
    licences: list[LicenceInfo] = field(default_factory=list)
    access_right: str | None = None  # PUBLIC | RESTRICTED | NON_PUBLIC
    rights_statements: list[Text] = field(default_factory=list)
    related: list[Related] = field(default_factory=list)
    alternate_ids: list[tuple[str, str | None]] = field(default_factory=list)
    citations: list[str] = field(default_factory=list)  # how to cite this dataset
    funding: list[Funding] = field(default_factory=list)
    formats: list[str] = field(default_factory=list)
    sizes: list[str] = field(default_factory=list)
    geo: list[Geo] = field(default_factory=list)
    landing_page: str | None = None
    distributions: list[Distribution] = field(default_factory=list)
    techniques: list[Technique] = field(default_factory=list)
    entry_links: list[EntryLink] = field(default_factory=list)
    # Format-specific triples beyond this model (catalogue APIs: parameters, instruments, samples, parts):
    # each is called with (dataset IRI, base IRI) at the end of emit().
    extensions: list[Callable[[str, str], list[Triple]]] = field(default_factory=list)


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
# They become dct:relation plus pav:hasVersion / prov:wasRevisionOf / prov:wasDerivedFrom (see emit()).

# The schema.org twin of the relations the JRC DCAT-AP -> schema.org alignment covers.
SCHEMA_RELATIONS: dict[str, NamedNode] = {
    "IsPartOf": SDO.isPartOf,
    "IsPublishedIn": SDO.isPartOf,
    "HasPart": SDO.hasPart,
    "Cites": SDO.citation,
    "References": SDO.citation,
    "IsDerivedFrom": SDO.isBasedOn,
    "IsIdenticalTo": SDO.sameAs,
}

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

GOOGLE_DESCRIPTION_MAX = 5000


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


class _Out:
    """Collects triples; tiny helpers keep the emitter table-like."""

    __slots__ = ("triples",)

    def __init__(self) -> None:
        self.triples: list[Triple] = []

    def add(self, s: Subject, p: NamedNode, o: NamedNode | BlankNode | Literal) -> None:
        self.triples.append(Triple(s, p, o))

    def types(self, s: Subject, *classes: NamedNode) -> None:
        for c in classes:
            self.triples.append(Triple(s, RDF.type, c))


def _iri_or_none(value: str | None) -> NamedNode | None:
    if not value:
        return None
    try:
        return NamedNode(value)
    except ValueError:
        return None


def _agent(out: _Out, a: Agent) -> Subject:
    node: Subject = _iri_or_none(a.iri) or BlankNode()
    # foaf:Agent always: the DCAT-AP range shapes check sh:class foaf:Agent without an ontology to infer it.
    out.add(node, RDF.type, FOAF.Agent)
    if a.kind == "person":
        out.types(node, FOAF.Person, SDO.Person)
    elif a.kind == "organization":
        out.types(node, FOAF.Organization, SDO.Organization)
    if a.name:  # an affiliation given only by its ROR id has no name in the record
        name = Literal(a.name)
        out.add(node, FOAF.name, name)
        out.add(node, SDO.name, name)
    if a.given:
        out.add(node, FOAF.givenName, Literal(a.given))
        out.add(node, SDO.givenName, Literal(a.given))
    if a.family:
        out.add(node, FOAF.familyName, Literal(a.family))
        out.add(node, SDO.familyName, Literal(a.family))
    for aff in a.affiliations:
        org = _agent(out, aff)
        out.add(node, ORG.memberOf, org)
        out.add(node, SDO.affiliation, org)
    return node


def _contact_point(out: _Out, a: Agent) -> BlankNode:
    node = BlankNode()
    out.types(node, VCARD.Kind, VCARD.Individual if a.kind != "organization" else VCARD.Organization)
    out.add(node, VCARD.fn, Literal(a.name))
    if a.iri:
        iri = _iri_or_none(a.iri)
        if iri:
            out.add(node, VCARD.hasUID, iri)
    return node


def _wkt_point(lat: float, lon: float) -> Literal:
    return Literal(f"POINT({lon} {lat})", datatype=GSP.wktLiteral)


def _location(out: _Out, g: Geo) -> tuple[BlankNode, BlankNode]:
    loc = BlankNode()
    out.add(loc, RDF.type, DCT.Location)
    place = BlankNode()
    out.add(place, RDF.type, SDO.Place)
    if g.place:
        out.add(loc, LOCN.geographicName, Literal(g.place))
        out.add(place, SDO.name, Literal(g.place))
    if g.point:
        lat, lon = g.point
        out.add(loc, DCAT.centroid, _wkt_point(lat, lon))
        geo = BlankNode()
        out.add(geo, RDF.type, SDO.GeoCoordinates)
        out.add(geo, SDO.latitude, Literal(str(lat), datatype=XSD.decimal))
        out.add(geo, SDO.longitude, Literal(str(lon), datatype=XSD.decimal))
        out.add(place, SDO.geo, geo)
    if g.box:
        w, e, s, n = g.box
        wkt = f"POLYGON(({w} {s},{w} {n},{e} {n},{e} {s},{w} {s}))"
        out.add(loc, DCAT.bbox, Literal(wkt, datatype=GSP.wktLiteral))
        shape = BlankNode()
        out.add(shape, RDF.type, SDO.GeoShape)
        out.add(shape, SDO.box, Literal(f"{s} {w} {n} {e}"))  # schema.org box: "south west north east"
        out.add(place, SDO.geo, shape)
    if g.polygon:
        # The two official DCAT-AP 3.0.1 shape sets disagree on locn:geometry (node vs literal): the polygon
        # goes to DCAT as its bounding box and stays exact in schema:GeoShape.
        if not g.box:
            lats, lons = [p[0] for p in g.polygon], [p[1] for p in g.polygon]
            w, e, s_, n = min(lons), max(lons), min(lats), max(lats)
            wkt = f"POLYGON(({w} {s_},{w} {n},{e} {n},{e} {s_},{w} {s_}))"
            out.add(loc, DCAT.bbox, Literal(wkt, datatype=GSP.wktLiteral))
        shape = BlankNode()
        out.add(shape, RDF.type, SDO.GeoShape)
        out.add(shape, SDO.polygon, Literal(" ".join(f"{lat} {lon}" for lat, lon in g.polygon)))
        out.add(place, SDO.geo, shape)
    return loc, place


def emit(rec: DatasetRecord, dataset_iri: str, base_iri: str) -> list[Triple]:
    """DatasetRecord -> triples of one dataset, DCAT-AP 3 and schema.org on the same node."""
    out = _Out()
    add = out.add
    ds = NamedNode(dataset_iri)
    out.types(ds, DCAT.Dataset, SDO.Dataset)

    # identity ----------------------------------------------------------------------------------------------
    if rec.doi:
        add(ds, DCT.identifier, Literal(rec.doi))
        add(ds, SDO.identifier, Literal(iris.doi_iri(rec.doi)))
    else:
        add(ds, DCT.identifier, Literal(rec.oai_identifier))
        add(ds, SDO.identifier, Literal(rec.oai_identifier))
    landing = iris.doi_iri(rec.doi) if rec.doi else rec.landing_page
    landing_node = _iri_or_none(landing)
    if landing_node is not None:
        add(ds, DCAT.landingPage, landing_node)
        add(landing_node, RDF.type, FOAF.Document)
        add(ds, SDO.url, Literal(landing, datatype=XSD.anyURI))
    for value, id_type in rec.alternate_ids:
        ident = BlankNode()
        add(ds, ADMS.identifier, ident)
        add(ident, RDF.type, ADMS.Identifier)
        add(ident, SKOS.notation, Literal(value))
        if id_type:
            add(ident, ADMS.schemeAgency, Literal(id_type))

    for citation in rec.citations:
        add(ds, DCT.bibliographicCitation, Literal(citation))

    # text --------------------------------------------------------------------------------------------------
    for t in rec.titles:
        lit = text_literal(t)
        add(ds, DCT.title, lit)
        add(ds, SDO.name, lit)
    for t in rec.alt_titles:
        lit = text_literal(t)
        add(ds, DCT.alternative, lit)
        add(ds, SDO.alternateName, lit)
    for t in rec.descriptions:
        add(ds, DCT.description, text_literal(t))
    if rec.descriptions:
        # Google wants one text of 50..5000 characters; the full text stays in dct:description.
        first = rec.descriptions[0]
        value = first.value
        if len(value) > GOOGLE_DESCRIPTION_MAX:
            value = value[: GOOGLE_DESCRIPTION_MAX - 1].rstrip() + "…"
        add(ds, SDO.description, text_literal(Text(value, first.lang)))
    for t in rec.comments:
        add(ds, RDFS.comment, text_literal(t))
    for t in rec.toc:
        add(ds, DCT.tableOfContents, text_literal(t))
    for t in rec.methods:
        prov = BlankNode()
        add(ds, DCT.provenance, prov)
        add(prov, RDF.type, DCT.ProvenanceStatement)
        add(prov, RDFS.label, text_literal(t))

    # agents ------------------------------------------------------------------------------------------------
    for a in rec.creators:
        node = _agent(out, a)
        add(ds, DCT.creator, node)
        add(ds, SDO.creator, node)
    for a in rec.contributors:
        if a.role == "ContactPerson":
            add(ds, DCAT.contactPoint, _contact_point(out, a))
        node = _agent(out, a)
        add(ds, DCT.contributor, node)
        add(ds, SDO.contributor, node)
        role = CONTRIBUTOR_PROPERTIES.get(a.role or "")
        if role is not None:
            add(ds, role, node)
    if rec.publisher:
        node = _agent(out, rec.publisher)
        add(ds, DCT.publisher, node)
        add(ds, SDO.publisher, node)

    # dates -------------------------------------------------------------------------------------------------
    issued = next((typed_date(v) for t, v in rec.dates if t == "Issued" and typed_date(v)), None)
    if issued is None and rec.publication_year:
        issued = typed_date(rec.publication_year)
    if issued is not None:
        add(ds, DCT.issued, issued)
        add(ds, SDO.datePublished, issued)
    modified = [typed_date(v) for t, v in rec.dates if t == "Updated"]
    modified_lits = [m for m in modified if m is not None]
    if modified_lits:
        last = max(modified_lits, key=lambda lit: lit.value)  # DCAT-AP: at most one dct:modified
        add(ds, DCT.modified, last)
        add(ds, SDO.dateModified, last)
    for date_type, value in rec.dates:
        prop = DATE_PROPERTIES.get(date_type)
        if prop is not None:
            lit = typed_date(value)
            if lit is not None:
                add(ds, prop, lit)
                if date_type == "Created":
                    add(ds, SDO.dateCreated, lit)
        elif date_type in ("Collected", "Coverage") and "/" in value:
            start, _, end = value.partition("/")
            period = BlankNode()
            add(ds, DCT.temporal, period)
            add(period, RDF.type, DCT.PeriodOfTime)
            s_lit, e_lit = typed_date(start), typed_date(end)
            if s_lit is not None:
                add(period, DCAT.startDate, s_lit)
            if e_lit is not None:
                add(period, DCAT.endDate, e_lit)
            add(ds, SDO.temporalCoverage, Literal(value.strip()))

    # classification ----------------------------------------------------------------------------------------
    if rec.language:
        code = re.split(r"[-_]", rec.language.strip().lower())[0]  # "en", "en-US", "en_US"
        add(ds, SDO.inLanguage, Literal(rec.language.strip()))
        eu = EU_LANGUAGES.get(code) or (code.upper() if code.upper() in _EU_CODES else None)  # "eng"
        if eu:
            lang_node = EU_LANGUAGE[eu]
            add(ds, DCT.language, lang_node)
            add(lang_node, RDF.type, DCT.LinguisticSystem)
    rtype = RESOURCE_TYPES.get(rec.resource_type_general or "")
    if rtype is not None:
        add(ds, DCT.type, rtype)
        add(rtype, RDF.type, SKOS.Concept)  # DCAT-AP: dct:type points to a skos:Concept with a prefLabel
        add(rtype, SKOS.prefLabel, Literal(rtype.value.rsplit("/", 1)[-1], language="en"))
    for t in rec.keywords:
        lit = text_literal(t)
        add(ds, DCAT.keyword, lit)
        add(ds, SDO.keywords, lit)
    for st in rec.subjects:
        concept: Subject = _iri_or_none(st.value_uri) or BlankNode()
        add(ds, DCT.subject, concept)
        add(concept, RDF.type, SKOS.Concept)
        add(concept, SKOS.prefLabel, text_literal(Text(st.value, st.lang)))
        scheme: Subject | None = _iri_or_none(st.scheme_uri)
        if scheme is None and st.scheme:
            scheme = BlankNode()
        if scheme is not None:
            add(concept, SKOS.inScheme, scheme)
            add(scheme, RDF.type, SKOS.ConceptScheme)
            if st.scheme:
                add(scheme, DCT.title, Literal(st.scheme))
        add(ds, SDO.keywords, text_literal(Text(st.value, st.lang)))
    if rec.version:
        add(ds, DCAT.version, Literal(rec.version))
        add(ds, SDO.version, Literal(rec.version))

    # rights ------------------------------------------------------------------------------------------------
    seen_licences: set[str] = set()
    for lic in rec.licences:
        if lic.iri in seen_licences:
            continue
        seen_licences.add(lic.iri)
        node = NamedNode(lic.iri)
        add(ds, DCT.license, node)
        add(node, RDF.type, DCT.LicenseDocument)
        if lic.label:
            add(node, RDFS.label, Literal(lic.label))
        add(ds, SDO.license, node)
    if rec.access_right:
        ar = NamedNode(f"http://publications.europa.eu/resource/authority/access-right/{rec.access_right}")
        add(ds, DCT.accessRights, ar)
        add(ar, RDF.type, DCT.RightsStatement)
        add(ds, SDO.isAccessibleForFree, Literal(rec.access_right == "PUBLIC"))
    for t in rec.rights_statements:
        rs = BlankNode()
        add(ds, DCT.rights, rs)
        add(rs, RDF.type, DCT.RightsStatement)
        add(rs, RDFS.label, text_literal(t))

    # relations ---------------------------------------------------------------------------------------------
    for r in rec.related:
        target = _iri_or_none(r.target)
        if target is None:
            continue
        prop = RELATION_PROPERTIES.get(r.relation or "", DCT.relation)
        add(ds, prop, target)
        if r.relation == "HasVersion":
            add(ds, PAV.hasVersion, target)
        elif r.relation == "IsPreviousVersionOf":
            add(target, PROV.wasRevisionOf, ds)  # stated from the newer version's side
        elif r.relation == "IsDerivedFrom":
            add(ds, PROV.wasDerivedFrom, target)
        if prop == FOAF.page:
            add(target, RDF.type, FOAF.Document)
        sprop = SCHEMA_RELATIONS.get(r.relation or "")
        if sprop is not None:
            add(ds, sprop, target)
    for link in rec.entry_links:
        prop = RELATION_PROPERTIES.get(link.relation or "", DCT.relation)
        target = NamedNode(link.iri)
        add(ds, prop, target)
        add(target, DCT.identifier, Literal(link.accession))
        add(target, PANKG.entryOf, ENTRY_DATABASES[link.database])

    # funding (CiteDCAT-AP: dataset -isFundedBy-> foaf:Project -isAwardedBy-> funder) ---------------------
    for f in rec.funding:
        project = _iri_or_none(f.award_uri) or BlankNode()
        add(ds, CITEDCAT.isFundedBy, project)
        add(project, RDF.type, FOAF.Project)
        grant = BlankNode()
        add(ds, SDO.funding, grant)
        add(grant, RDF.type, SDO.MonetaryGrant)
        if f.award_number:
            add(project, DCT.identifier, Literal(f.award_number))
            add(grant, SDO.identifier, Literal(f.award_number))
        if f.award_title:
            add(project, DCT.title, Literal(f.award_title))
            add(grant, SDO.name, Literal(f.award_title))
        if f.funder_name or f.funder_iri:
            funder = _agent(
                out, Agent(name=f.funder_name or f.funder_iri or "", kind="organization", iri=f.funder_iri)
            )
            add(project, CITEDCAT.isAwardedBy, funder)
            add(grant, SDO.funder, funder)
            add(ds, SDO.funder, funder)
            if f.funder_id:
                add(funder, DCT.identifier, Literal(f.funder_id))

    # spatial -----------------------------------------------------------------------------------------------
    for g in rec.geo:
        if not (g.place or g.point or g.box or g.polygon):
            continue
        loc, place = _location(out, g)
        add(ds, DCT.spatial, loc)
        add(ds, SDO.spatialCoverage, place)

    # distributions (DCAT-AP: accessURL mandatory; JRC: accessURL -> schema:url, downloadURL -> contentUrl)
    dists = list(rec.distributions)
    media = [f.strip().lower() for f in rec.formats if _MEDIA_TYPE.match(f.strip())]
    sizes = [b for b in (byte_size(s) for s in rec.sizes) if b is not None]
    if landing and (media or sizes) and not dists:
        dists.append(Distribution(access_url=landing, media_type=media[0] if media else None,
                                  byte_size=sizes[0] if sizes else None))  # fmt: skip
    for d in dists:
        access = _iri_or_none(d.access_url or d.download_url)
        if access is None:
            continue
        dist = BlankNode()
        add(ds, DCAT.distribution, dist)
        add(dist, RDF.type, DCAT.Distribution)
        add(dist, DCAT.accessURL, access)
        download = BlankNode()
        add(ds, SDO.distribution, download)
        add(download, RDF.type, SDO.DataDownload)
        add(download, SDO.url, Literal(access.value, datatype=XSD.anyURI))
        download_url = _iri_or_none(d.download_url)
        if download_url is not None:
            add(dist, DCAT.downloadURL, download_url)
            add(download, SDO.contentUrl, Literal(download_url.value, datatype=XSD.anyURI))
        if d.media_type:
            mt = IANA_MEDIA[d.media_type]
            add(dist, DCAT.mediaType, mt)
            add(mt, RDF.type, DCT.MediaType)
            add(download, SDO.encodingFormat, Literal(d.media_type))
        if d.byte_size is not None:
            add(dist, DCAT.byteSize, Literal(str(d.byte_size), datatype=XSD.nonNegativeInteger))
            add(download, SDO.contentSize, Literal(f"{d.byte_size} B"))
        for lic in rec.licences[:1]:
            add(dist, DCT.license, NamedNode(lic.iri))

    # catalogue (schema.org only: a dcat:Catalog node would need its own mandatory DCAT-AP properties)
    catalog = NamedNode(iris.catalog_iri(rec.source, base_iri))
    add(ds, SDO.includedInDataCatalog, catalog)
    add(catalog, RDF.type, SDO.DataCatalog)
    add(catalog, SDO.name, Literal(rec.source))

    # PaNET techniques --------------------------------------------------------------------------------------
    if rec.techniques:
        # A PaN technique dataset is "science and technology" in the EU data-theme vocabulary, which DCAT-AP
        # asks dcat:theme to include; the PaNET class itself is punned as a skos:Concept of the PaNET scheme.
        add(ds, DCAT.theme, DATA_THEME.TECH)
        add(DATA_THEME.TECH, RDF.type, SKOS.Concept)
        add(DATA_THEME.TECH, SKOS.prefLabel, Literal("Science and technology", language="en"))
        add(
            DATA_THEME.TECH,
            SKOS.inScheme,
            NamedNode("http://publications.europa.eu/resource/authority/data-theme"),
        )
    seen_tech: set[str] = set()
    for tech in rec.techniques:
        node = NamedNode(tech.iri)
        if tech.iri not in seen_tech:
            seen_tech.add(tech.iri)
            add(ds, SDO.measurementTechnique, node)
            add(ds, DCAT.theme, node)
            add(node, RDF.type, SKOS.Concept)
            add(node, SKOS.inScheme, PANET_SCHEME)
            add(node, SKOS.prefLabel, Literal(tech.label, language="en"))
        assignment = BlankNode()
        add(ds, PANKG.techniqueAssignment, assignment)
        add(assignment, RDF.type, PANKG.TechniqueAssignment)
        add(assignment, PANKG.technique, node)
        add(assignment, PANKG.method, TECHNIQUE_METHODS[tech.method])
        add(assignment, PANKG.sourceField, Literal(tech.field))
        add(assignment, PANKG.matchedText, Literal(tech.matched))
    for extend in rec.extensions:
        out.triples.extend(extend(dataset_iri, base_iri))
    return list(dict.fromkeys(out.triples))  # an affiliation shared by two creators is stated once
