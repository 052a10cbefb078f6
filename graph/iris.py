"""Every well-known IRI of the knowledge graph, in one place.

Record graph and catalogue IRIs come from the crosswalk's `mappings.iris`, so both stages agree on them.
"""

from __future__ import annotations

from urllib.parse import quote

from mappings.iris import DEFAULT_BASE_IRI, catalog_iri, graph_iri

BASE = DEFAULT_BASE_IRI
GRAPH_BASE = f"{BASE}graph/"

PANET_GRAPH = f"{GRAPH_BASE}panet"
PROVENANCE_GRAPH = f"{GRAPH_BASE}provenance"
CATALOGUE_GRAPH = f"{GRAPH_BASE}catalogue"

# The node's own vocabulary for the few facts PROV-O, DCAT and VoID have no term for.
PANKG = f"{BASE}ns#"

NODE_CATALOGUE = f"{BASE}catalog"
SPARQL_SERVICE = f"{BASE}service/sparql"
VOID_DATASET = f"{BASE}void"


def record_graph_iri(source: str, oai_identifier: str) -> str:
    """The named graph of one harvested record, as the crosswalk mints it (one place: `mappings.iris`).

    >>> record_graph_iri("esrf", "oai:esrf.fr:10.15151/ESRF-DC-1")
    'https://w3id.org/pan-kg/graph/esrf/oai%3Aesrf.fr%3A10.15151%2FESRF-DC-1'
    """
    return graph_iri(source, oai_identifier, BASE)


def facility_catalogue_iri(source: str) -> str:
    """The facility's `dcat:Catalog`: the same IRI the crosswalk gives `schema:includedInDataCatalog`."""
    return catalog_iri(source, BASE)


def facility_agent_iri(source: str) -> str:
    """Used as the publisher only when the facility has no ROR identifier."""
    return f"{BASE}agent/{quote(source, safe='')}"


def harvest_run_iri(source: str, started_compact: str) -> str:
    return f"{BASE}run/{quote(source, safe='')}/{started_compact}"
