"""Catalogue descriptions for the catalogue graph (DCAT, VoID). Pure functions returning triples.

Facilities come in as a plain list of source dicts (`id`, `name`, `url`, optional `ror`), the same shape as
the entries of `sources.toml`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from graph.iris import NodeIris
from mappings.vocab import DCAT, DCT, FOAF, RDF, SD, VOID, XSD

# ROR identifiers seen in the real data under shared/data (publisher or affiliation of the facility); used
# when a source entry gives no `ror`. A facility not listed here gets no ROR rather than a guessed one.
KNOWN_ROR = {
    "desy": "https://ror.org/01js2sh04",  # PaN-Finder DESY records, affiliation "DESY Phonton Science" (sic)
    "esrf": "https://ror.org/02550n020",  # ESRFET ontology, :ESRF rdfs:seeAlso
    "diamond": "https://ror.org/05etxs293",  # PaNET metadata, affiliation "Diamond Light Source"
    "hzb": "https://ror.org/02aj13c28",  # PaNET metadata, affiliation "Helmholtz-Zentrum Berlin"
}

SPARQL_PROTOCOL = NamedNode("https://www.w3.org/TR/sparql11-protocol/")


def publisher_iri(source: Mapping[str, Any], iris: NodeIris) -> tuple[str, bool]:
    """(publisher IRI, is it a ROR IRI)."""
    ror = source.get("ror") or KNOWN_ROR.get(str(source["id"]).lower())
    if ror:
        return str(ror), True
    return iris.facility_agent(str(source["id"])), False


def facility_catalogue(source: Mapping[str, Any], iris: NodeIris) -> list[Triple]:
    """One `dcat:Catalog` per facility, published by the facility (its ROR IRI when known)."""
    sid, name = str(source["id"]), str(source["name"])
    catalogue = NamedNode(iris.facility_catalogue(sid))
    agent_iri, _ = publisher_iri(source, iris)
    agent = NamedNode(agent_iri)
    triples = [
        Triple(catalogue, RDF.type, DCAT.Catalog),
        Triple(catalogue, DCT.identifier, Literal(sid)),
        Triple(catalogue, DCT.title, Literal(name)),
        Triple(catalogue, DCT.publisher, agent),
        Triple(agent, RDF.type, FOAF.Organization),
        Triple(agent, FOAF.name, Literal(name)),
    ]
    if source.get("url"):
        triples.append(Triple(catalogue, FOAF.homepage, NamedNode(str(source["url"]))))
    return triples


def sparql_service(endpoint_url: str, iris: NodeIris) -> list[Triple]:
    """The public SPARQL endpoint as a `dcat:DataService` (and an `sd:Service` for SPARQL clients)."""
    service = NamedNode(iris.sparql_service)
    return [
        Triple(service, RDF.type, DCAT.DataService),
        Triple(service, RDF.type, SD.Service),
        Triple(service, DCT.title, Literal("PaN EOSC node SPARQL endpoint", language="en")),
        Triple(service, DCAT.endpointURL, NamedNode(endpoint_url)),
        Triple(service, SD.endpoint, NamedNode(endpoint_url)),
        Triple(service, DCT.conformsTo, SPARQL_PROTOCOL),
        Triple(service, DCAT.servesDataset, NamedNode(iris.node_catalogue)),
    ]


def node_catalogue(sources: Iterable[Mapping[str, Any]], iris: NodeIris, endpoint_url: str) -> list[Triple]:
    """The node catalogue listing the facility catalogues, with each facility's catalogue description."""
    node = NamedNode(iris.node_catalogue)
    triples = [
        Triple(node, RDF.type, DCAT.Catalog),
        Triple(node, DCT.title, Literal("Photon and Neutron EOSC node knowledge graph", language="en")),
        Triple(node, DCAT.service, NamedNode(iris.sparql_service)),
    ]
    for source in sources:
        triples.append(Triple(node, DCAT.catalog, NamedNode(iris.facility_catalogue(str(source["id"])))))
        triples.extend(facility_catalogue(source, iris))
    triples.extend(sparql_service(endpoint_url, iris))
    return triples


def void_description(
    iris: NodeIris, *, endpoint_url: str, triples: int, datasets: int, graphs: int
) -> list[Triple]:
    """VoID: size of the whole graph and of its `dcat:Dataset` class partition."""
    void = NamedNode(iris.void_dataset)
    partition = BlankNode("datasets")
    return [
        Triple(void, RDF.type, VOID.Dataset),
        Triple(void, DCT.title, Literal("PaN EOSC node knowledge graph", language="en")),
        Triple(void, VOID.sparqlEndpoint, NamedNode(endpoint_url)),
        Triple(void, VOID.triples, Literal(str(triples), datatype=XSD.integer)),
        Triple(void, VOID.entities, Literal(str(datasets), datatype=XSD.integer)),
        Triple(void, VOID.classPartition, partition),
        Triple(partition, VOID["class"], DCAT.Dataset),
        Triple(partition, VOID.entities, Literal(str(datasets), datatype=XSD.integer)),
        Triple(void, VOID.documents, Literal(str(graphs), datatype=XSD.integer)),
        Triple(void, DCT.isPartOf, NamedNode(iris.node_catalogue)),
    ]


def catalogue_graph(
    sources: Iterable[Mapping[str, Any]],
    iris: NodeIris,
    *,
    endpoint_url: str,
    triples: int,
    datasets: int,
    graphs: int,
) -> list[Triple]:
    """Everything that goes into the catalogue graph."""
    return node_catalogue(sources, iris, endpoint_url) + void_description(
        iris, endpoint_url=endpoint_url, triples=triples, datasets=datasets, graphs=graphs
    )
