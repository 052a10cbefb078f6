"""Loading the node's own graphs: the reference graphs (PaNET, the pankg vocabulary), the catalogue description
and the statistics."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyoxigraph
import requests
from pyoxigraph import Literal, NamedNode, QuerySolutions, RdfFormat, Triple

from graph.catalogue import catalogue_graph
from graph.statistics import (
    FACILITY_YEAR,
    FACILITY_YEAR_QUERY,
    SOURCE_STATUS,
    SOURCE_STATUS_QUERY,
    TECHNIQUE,
    TECHNIQUE_QUERY,
    Cell,
    statistics_graph,
    year_literal,
)
from graph.store import GraphStore
from mappings.vocab import PANKG_ONTOLOGY_IRI, vocabulary_turtle

# PaNET ships as .owl (RDF/XML), which pyoxigraph does not guess from the extension.
_EXTENSIONS = {".owl": RdfFormat.RDF_XML, ".rdf": RdfFormat.RDF_XML, ".xml": RdfFormat.RDF_XML}


def read_rdf(path_or_url: str | os.PathLike[str]) -> list[Triple]:
    """Triples of an RDF file or URL (format from the extension or the Content-Type)."""
    text = str(path_or_url)
    if text.startswith(("http://", "https://")):
        response = requests.get(
            text, timeout=60, headers={"Accept": "application/rdf+xml, text/turtle;q=0.9"}
        )
        response.raise_for_status()
        media_type = response.headers.get("Content-Type", "application/rdf+xml").split(";")[0].strip()
        fmt = RdfFormat.from_media_type(media_type) or RdfFormat.RDF_XML
        quads = pyoxigraph.parse(response.content, fmt, base_iri=text)
    else:
        path = Path(text)
        found = _EXTENSIONS.get(path.suffix.lower()) or RdfFormat.from_extension(path.suffix.lstrip("."))
        if found is None:
            raise ValueError(f"cannot tell the RDF format of {path}")
        fmt = found
        quads = pyoxigraph.parse(path=path, format=fmt, base_iri=path.resolve().as_uri())
    return [q.triple for q in quads]


def load_panet(store: GraphStore, path_or_url: str | os.PathLike[str]) -> int:
    """Replace the PaNET graph with the ontology at `path_or_url`; returns the number of triples."""
    return store.replace_graph(store.iris.panet_graph, read_rdf(path_or_url))


def load_vocabulary(store: GraphStore) -> int:
    """Replace the vocabulary graph with mappings/pankg.ttl (the terms' labels and comments, queryable beside
    the data that uses them); returns the number of triples."""
    quads = pyoxigraph.parse(vocabulary_turtle(), RdfFormat.TURTLE, base_iri=PANKG_ONTOLOGY_IRI)
    return store.replace_graph(store.iris.vocabulary_graph, [q.triple for q in quads])


def load_reference_graphs(store: GraphStore, panet: str | os.PathLike[str] | None) -> int:
    """The graphs the records are read against: the pankg vocabulary always, PaNET when given (a run
    without a PaNET location keeps the PaNET graph it has). Returns the number of triples written."""
    written = load_vocabulary(store)
    if panet is not None:
        written += load_panet(store, panet)
    return written


def _scalar(store: GraphStore, sparql: str) -> int:
    solution = next(iter(store.query(sparql)))  # type: ignore[arg-type]
    return int(solution["n"].value)  # type: ignore[index]


def refresh_catalogue(store: GraphStore, sources: Iterable[Mapping[str, Any]], *, endpoint_url: str) -> int:
    """Recompute the VoID counts and replace the catalogue graph, then refresh the statistics graph (the
    flow calls this once at the end of a run, after every load and deletion). Returns the number of
    triples written to the catalogue graph."""
    triples = store.quad_count()
    datasets = _scalar(
        store,
        "SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE { GRAPH ?g { ?d a <http://www.w3.org/ns/dcat#Dataset> } }",
    )
    description = catalogue_graph(
        sources,
        store.iris,
        endpoint_url=endpoint_url,
        triples=triples,
        datasets=datasets,
        graphs=len(store.graph_iris()),
    )
    written = store.replace_graph(store.iris.catalogue_graph, description)
    refresh_statistics(store)
    return written


def _solutions(store: GraphStore, sparql: str) -> QuerySolutions:
    result = store.query(store.iris.rebase_query(sparql))
    if not isinstance(result, QuerySolutions):
        raise TypeError(f"expected solutions from {sparql[:60]!r}")
    return result


def _int(term: object) -> int | None:
    return int(term.value) if isinstance(term, Literal) else None


def statistics_cells(store: GraphStore) -> dict[str, list[Cell]]:
    """Run the three aggregates of `graph.statistics` on the store: {table name: [(dimension values, n)]}.

    A full recompute, O(store): one scan of the datasets, one of the technique links and one of the
    provenance graph (0.1 s at 10,000 records, 1-2.4 s at 100,000 here; bench/RESULTS.md)."""
    facility_year: list[Cell] = []
    for row in _solutions(store, FACILITY_YEAR_QUERY):
        year = year_literal(_int(row["year"]))
        facility_year.append(((row["catalogue"], year), _int(row["n"]) or 0))  # type: ignore[arg-type]
    technique: list[Cell] = [
        ((row["technique"],), _int(row["n"]) or 0)  # type: ignore[misc]
        for row in _solutions(store, TECHNIQUE_QUERY)
        if isinstance(row["technique"], NamedNode)
    ]
    source_status: list[Cell] = [
        ((row["source"], row["status"]), _int(row["n"]) or 0)  # type: ignore[misc]
        for row in _solutions(store, SOURCE_STATUS_QUERY)
    ]
    return {FACILITY_YEAR: facility_year, TECHNIQUE: technique, SOURCE_STATUS: source_status}


def refresh_statistics(store: GraphStore, *, at: datetime | None = None) -> int:
    """Recompute every count and replace the statistics graph atomically; returns the triples written.

    Readers see the previous counts until the replacement commits, never a half-written table."""
    cells = statistics_cells(store)
    return store.replace_graph(
        store.iris.statistics_graph, statistics_graph(cells, store.iris, refreshed=at or datetime.now(UTC))
    )
