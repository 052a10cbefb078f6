"""Loading the node's own graphs: PaNET and the catalogue description."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pyoxigraph
import requests
from pyoxigraph import RdfFormat, Triple

from graph.catalogue import catalogue_graph
from graph.iris import CATALOGUE_GRAPH, PANET_GRAPH
from graph.store import GraphStore

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
        fmt = _EXTENSIONS.get(path.suffix.lower()) or RdfFormat.from_extension(path.suffix.lstrip("."))
        if fmt is None:
            raise ValueError(f"cannot tell the RDF format of {path}")
        quads = pyoxigraph.parse(path=path, format=fmt, base_iri=path.resolve().as_uri())
    return [q.triple for q in quads]


def load_panet(store: GraphStore, path_or_url: str | os.PathLike[str]) -> int:
    """Replace the PaNET graph with the ontology at `path_or_url`; returns the number of triples."""
    return store.replace_graph(PANET_GRAPH, read_rdf(path_or_url))


def _scalar(store: GraphStore, sparql: str) -> int:
    solution = next(iter(store.query(sparql)))  # type: ignore[arg-type]
    return int(solution["n"].value)  # type: ignore[index]


def refresh_catalogue(store: GraphStore, sources: Iterable[Mapping[str, Any]], *, endpoint_url: str) -> int:
    """Recompute the VoID counts and replace the catalogue graph."""
    triples = _scalar(store, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
    datasets = _scalar(
        store,
        "SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE { GRAPH ?g { ?d a <http://www.w3.org/ns/dcat#Dataset> } }",
    )
    description = catalogue_graph(
        sources, endpoint_url=endpoint_url, triples=triples, datasets=datasets, graphs=len(store.graph_iris())
    )
    return store.replace_graph(CATALOGUE_GRAPH, description)
