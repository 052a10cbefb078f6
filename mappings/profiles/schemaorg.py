"""The schema.org profile (JRC DCAT-AP -> schema.org alignment, Google Dataset Search): schema:Dataset on the
same node as dcat:Dataset, sharing its agents' nodes; places, grants and downloads are schema.org's own nodes.
"""

from __future__ import annotations

from pyoxigraph import BlankNode, Literal, NamedNode

from mappings import iris
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
)
from mappings.vocab import RDF, SDO, XSD

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

GOOGLE_DESCRIPTION_MAX = 5000

# (model attribute, predicate, kind): the fields that are one literal per value.
DATASET_FIELDS: tuple[Field, ...] = (
    ("titles", SDO.name, "text"),
    ("alt_titles", SDO.alternateName, "text"),
    ("keywords", SDO.keywords, "text"),
    ("version", SDO.version, "string"),
)
AGENT_FIELDS: tuple[Field, ...] = (
    ("name", SDO.name, "string"),
    ("given", SDO.givenName, "string"),
    ("family", SDO.familyName, "string"),
)
AGENT_PROPERTIES = {"creator": SDO.creator, "contributor": SDO.contributor, "publisher": SDO.publisher}


def emit(rec: DatasetRecord, ds: NamedNode, out: Out, base_iri: str) -> None:
    out.add(ds, RDF.type, SDO.Dataset)
    pid = iris.doi_iri(rec.doi) if rec.doi else (iris.handle_iri(rec.handle) if rec.handle else None)
    out.add(ds, SDO.identifier, Literal(pid or rec.oai_identifier))
    landing = iri_or_none(landing_page(rec))
    if landing is not None:
        out.add(ds, SDO.url, Literal(landing.value, datatype=XSD.anyURI))
    simple_fields(out, ds, rec, DATASET_FIELDS)
    if rec.descriptions:
        # Google wants one text of 50..5000 characters; the full text stays in dct:description.
        first = rec.descriptions[0]
        value = first.value
        if len(value) > GOOGLE_DESCRIPTION_MAX:
            value = value[: GOOGLE_DESCRIPTION_MAX - 1].rstrip() + "…"
        out.add(ds, SDO.description, text_literal(Text(value, first.lang)))
    for role, key, a in agents(rec):
        out.add(ds, AGENT_PROPERTIES[role], agent(out, key, a))
    _dates(out, rec, ds)
    if rec.language:
        out.add(ds, SDO.inLanguage, Literal(rec.language.strip()))
    for st in rec.subjects:
        out.add(ds, SDO.keywords, text_literal(Text(st.value, st.lang)))
    for lic in unique_licences(rec):
        out.add(ds, SDO.license, NamedNode(lic.iri))
    if rec.access_right:
        out.add(ds, SDO.isAccessibleForFree, Literal(rec.access_right == "PUBLIC"))
    for r in rec.related:
        target = iri_or_none(r.target)
        prop = SCHEMA_RELATIONS.get(r.relation or "")
        if target is not None and prop is not None:
            out.add(ds, prop, target)
    _funding(out, rec, ds)
    for g in rec.geo:
        if g.place or g.point or g.box or g.polygon:
            out.add(ds, SDO.spatialCoverage, _place(out, g))
    _downloads(out, rec, ds)
    # The harvested catalogue (schema.org only: a dcat:Catalog node would need its own mandatory DCAT-AP
    # properties).
    catalog = NamedNode(iris.catalog_iri(rec.source, base_iri))
    out.add(ds, SDO.includedInDataCatalog, catalog)
    out.add(catalog, RDF.type, SDO.DataCatalog)
    out.add(catalog, SDO.name, Literal(rec.source))
    for t in unique_techniques(rec):
        out.add(ds, SDO.measurementTechnique, NamedNode(t.iri))
    for part in rec.parts:
        node = part_iri(rec, part.key, base_iri)
        out.add(ds, SDO.hasPart, node)
        if part.record is not None:
            out.add(node, SDO.isPartOf, ds)


def agent(out: Out, key: tuple[object, ...], a: Agent) -> Subject:
    node = agent_node(out, key, a)
    if a.kind == "person":
        out.add(node, RDF.type, SDO.Person)
    elif a.kind == "organization":
        out.add(node, RDF.type, SDO.Organization)
    simple_fields(out, node, a, AGENT_FIELDS)
    for j, affiliation in enumerate(a.affiliations):
        out.add(node, SDO.affiliation, agent(out, (*key, j), affiliation))
    return node


def _dates(out: Out, rec: DatasetRecord, ds: NamedNode) -> None:
    first = issued(rec)
    if first is not None:
        out.add(ds, SDO.datePublished, first)
    last = modified(rec)
    if last is not None:
        out.add(ds, SDO.dateModified, last)
    for date_type, value in rec.dates:
        if date_type == "Created":
            lit = typed_date(value)
            if lit is not None:
                out.add(ds, SDO.dateCreated, lit)
        elif date_type in ("Collected", "Coverage") and "/" in value:
            out.add(ds, SDO.temporalCoverage, Literal(value.strip()))


def _funding(out: Out, rec: DatasetRecord, ds: NamedNode) -> None:
    for i, f in enumerate(rec.funding):
        grant = BlankNode()
        out.add(ds, SDO.funding, grant)
        out.add(grant, RDF.type, SDO.MonetaryGrant)
        if f.award_number:
            out.add(grant, SDO.identifier, Literal(f.award_number))
        if f.award_title:
            out.add(grant, SDO.name, Literal(f.award_title))
        funding_agent = funder(f)
        if funding_agent is not None:
            node = agent(out, ("funder", i), funding_agent)
            out.add(grant, SDO.funder, node)
            out.add(ds, SDO.funder, node)


def _place(out: Out, g: Geo) -> BlankNode:
    place = BlankNode()
    out.add(place, RDF.type, SDO.Place)
    if g.place:
        out.add(place, SDO.name, Literal(g.place))
    if g.point:
        lat, lon = g.point
        geo = BlankNode()
        out.add(geo, RDF.type, SDO.GeoCoordinates)
        out.add(geo, SDO.latitude, Literal(str(lat), datatype=XSD.decimal))
        out.add(geo, SDO.longitude, Literal(str(lon), datatype=XSD.decimal))
        out.add(place, SDO.geo, geo)
    if g.box:
        w, e, s, n = g.box
        shape = BlankNode()
        out.add(shape, RDF.type, SDO.GeoShape)
        out.add(shape, SDO.box, Literal(f"{s} {w} {n} {e}"))  # schema.org box: "south west north east"
        out.add(place, SDO.geo, shape)
    if g.polygon:
        shape = BlankNode()
        out.add(shape, RDF.type, SDO.GeoShape)
        out.add(shape, SDO.polygon, Literal(" ".join(f"{lat} {lon}" for lat, lon in g.polygon)))
        out.add(place, SDO.geo, shape)
    return place


def _downloads(out: Out, rec: DatasetRecord, ds: NamedNode) -> None:
    """JRC: accessURL -> schema:url, downloadURL -> schema:contentUrl."""
    for d in distributions(rec):
        access = iri_or_none(d.access_url or d.download_url)
        if access is None:
            continue
        download = BlankNode()
        out.add(ds, SDO.distribution, download)
        out.add(download, RDF.type, SDO.DataDownload)
        out.add(download, SDO.url, Literal(access.value, datatype=XSD.anyURI))
        download_url = iri_or_none(d.download_url)
        if download_url is not None:
            out.add(download, SDO.contentUrl, Literal(download_url.value, datatype=XSD.anyURI))
        if d.media_type:
            out.add(download, SDO.encodingFormat, Literal(d.media_type))
        if d.byte_size is not None:
            out.add(download, SDO.contentSize, Literal(f"{d.byte_size} B"))
