"""Every well-known IRI of the knowledge graph, in one place.

Record graph and catalogue IRIs come from the crosswalk's `mappings.iris`, so both stages agree on them.
"""

from __future__ import annotations

import hashlib
from urllib.parse import quote

from mappings.iris import DEFAULT_BASE_IRI, catalog_iri, graph_iri
from mappings.vocab import PANKG_IRI, PANKG_ONTOLOGY_IRI

BASE = DEFAULT_BASE_IRI
GRAPH_BASE = f"{BASE}graph/"

PANET_GRAPH = f"{GRAPH_BASE}panet"
PROVENANCE_GRAPH = f"{GRAPH_BASE}provenance"
CATALOGUE_GRAPH = f"{GRAPH_BASE}catalogue"
STATISTICS_GRAPH = f"{GRAPH_BASE}statistics"

# The node's own vocabulary for the few facts PROV-O, DCAT and VoID have no term for: a fixed published IRI,
# whatever the base (mappings/vocab.py); its file is loaded as a graph of its own, named by the ontology IRI.
PANKG = PANKG_IRI
VOCABULARY_GRAPH = PANKG_ONTOLOGY_IRI

NODE_CATALOGUE = f"{BASE}catalog"
SPARQL_SERVICE = f"{BASE}service/sparql"
VOID_DATASET = f"{BASE}void"
STATISTICS_BASE = f"{BASE}statistics/"
# The facility of datasets whose record names no catalogue (no provenance, no schema:includedInDataCatalog).
UNKNOWN_CATALOGUE = f"{PANKG}unknownCatalogue"


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


def statistics_dataset_iri(name: str) -> str:
    """One `qb:DataSet` of the statistics graph (one table of counts).

    >>> statistics_dataset_iri("datasets-per-facility-and-year")
    'https://w3id.org/pan-kg/statistics/datasets-per-facility-and-year'
    """
    return f"{STATISTICS_BASE}{quote(name, safe='')}"


def statistics_structure_iri(name: str) -> str:
    return f"{statistics_dataset_iri(name)}/structure"


def observation_iri(dataset_iri: str, *dimension_values: str) -> str:
    """One `qb:Observation` (one cell): keyed on its dimension values, hashed because they are IRIs and
    literals of any length; the same cell keeps its IRI from one refresh to the next."""
    digest = hashlib.sha256("\x1f".join(dimension_values).encode("utf-8")).hexdigest()[:20]
    return f"{dataset_iri}/{digest}"
