"""Every well-known IRI of the knowledge graph, minted from the deployment's base IRI in one place.

`NodeIris(base_iri)` is built once per run from the settings and passed to whatever writes or queries the
reserved graphs (store, provenance, catalogue, statistics, quality), so a deployment on another base IRI
mints no IRI of the default base. Record graph and catalogue IRIs come from the crosswalk's
`mappings.iris`, so both stages agree on them. The node's vocabulary (`pankg:`) is not under the base: it
is one published namespace for every deployment (`mappings.vocab.PANKG_NS`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from urllib.parse import quote

from mappings.iris import DEFAULT_BASE_IRI, catalog_iri, graph_iri, normalised_base
from mappings.vocab import PANKG_IRI, PANKG_ONTOLOGY_IRI

# The facility of datasets whose record names no catalogue (no provenance, no schema:includedInDataCatalog).
UNKNOWN_CATALOGUE = f"{PANKG_IRI}unknownCatalogue"


@dataclass(frozen=True)
class NodeIris:
    """The reserved graphs and node-level resources of one deployment.

    >>> NodeIris("https://example.org/kg").provenance_graph
    'https://example.org/kg/graph/provenance'
    """

    base: str = DEFAULT_BASE_IRI

    def __post_init__(self) -> None:
        object.__setattr__(self, "base", normalised_base(self.base))

    @property
    def graph_base(self) -> str:
        return f"{self.base}graph/"

    @property
    def panet_graph(self) -> str:
        return f"{self.graph_base}panet"

    @property
    def provenance_graph(self) -> str:
        return f"{self.graph_base}provenance"

    @property
    def catalogue_graph(self) -> str:
        return f"{self.graph_base}catalogue"

    @property
    def statistics_graph(self) -> str:
        return f"{self.graph_base}statistics"

    @property
    def vocabulary_graph(self) -> str:
        """The `pankg` vocabulary file as a graph: named by its ontology IRI, the same in every deployment."""
        return PANKG_ONTOLOGY_IRI

    @property
    def reserved_graphs(self) -> frozenset[str]:
        """Graphs that are not one record's: a record graph never takes one of these names."""
        return frozenset(
            {
                self.panet_graph,
                self.provenance_graph,
                self.catalogue_graph,
                self.statistics_graph,
                self.vocabulary_graph,
            }
        )

    @property
    def node_catalogue(self) -> str:
        return f"{self.base}catalog"

    @property
    def sparql_service(self) -> str:
        return f"{self.base}service/sparql"

    @property
    def void_dataset(self) -> str:
        return f"{self.base}void"

    def record_graph(self, source: str, oai_identifier: str) -> str:
        """The named graph of one harvested record, as the crosswalk mints it (one place: `mappings.iris`).

        >>> NodeIris().record_graph("esrf", "oai:esrf.fr:10.15151/ESRF-DC-1")
        'https://w3id.org/pan-kg/graph/esrf/oai%3Aesrf.fr%3A10.15151%2FESRF-DC-1'
        """
        return graph_iri(source, oai_identifier, self.base)

    def facility_catalogue(self, source: str) -> str:
        """The facility's `dcat:Catalog`: the same IRI the crosswalk gives `schema:includedInDataCatalog`."""
        return catalog_iri(source, self.base)

    def facility_agent(self, source: str) -> str:
        """Used as the publisher only when the facility has no ROR identifier."""
        return f"{self.base}agent/{quote(source, safe='')}"

    def harvest_run(self, source: str, started_compact: str) -> str:
        return f"{self.base}run/{quote(source, safe='')}/{started_compact}"

    def quality_graph(self, source: str, run_id: int) -> str:
        """The DQV measurements of one source run."""
        return f"{self.graph_base}quality/{quote(source, safe='')}/run-{run_id}"

    def statistics_dataset(self, name: str) -> str:
        """One `qb:DataSet` of the statistics graph (one table of counts).

        >>> NodeIris().statistics_dataset("datasets-per-facility-and-year")
        'https://w3id.org/pan-kg/statistics/datasets-per-facility-and-year'
        """
        return f"{self.base}statistics/{quote(name, safe='')}"

    def statistics_structure(self, name: str) -> str:
        return f"{self.statistics_dataset(name)}/structure"

    def rebase_query(self, sparql: str) -> str:
        """A shipped query (graph/queries/*.rq names the default base's graphs) for this deployment: IRIs
        of the default base are rewritten to this base, the `pankg:` vocabulary is left as it is.

        >>> NodeIris("https://example.org/kg/").rebase_query("GRAPH <https://w3id.org/pan-kg/graph/panet>")
        'GRAPH <https://example.org/kg/graph/panet>'
        """
        if self.base == DEFAULT_BASE_IRI:
            return sparql
        vocabulary = f"<{PANKG_ONTOLOGY_IRI}"  # the ontology and its terms (ns#...)
        parts = sparql.split(vocabulary)
        return vocabulary.join(part.replace(f"<{DEFAULT_BASE_IRI}", f"<{self.base}") for part in parts)


# The default deployment's IRIs: for tests and documentation; a run builds its own from its settings.
DEFAULT_IRIS = NodeIris()


def observation_iri(dataset_iri: str, *dimension_values: str) -> str:
    """One `qb:Observation` (one cell): keyed on its dimension values, hashed because they are IRIs and
    literals of any length; the same cell keeps its IRI from one refresh to the next."""
    digest = hashlib.sha256("\x1f".join(dimension_values).encode("utf-8")).hexdigest()[:20]
    return f"{dataset_iri}/{digest}"
