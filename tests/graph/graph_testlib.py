"""Helpers for the graph tests: real data from shared/data, real `oxigraph serve` processes on loopback."""

from __future__ import annotations

import hashlib
import socket
import subprocess
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph
from pyoxigraph import Triple

from graph.iris import DEFAULT_IRIS
from graph.load import load_panet
from graph.provenance import record_provenance
from graph.serve import oxigraph_binary, wait_ready
from graph.store import GraphStore

record_graph_iri = DEFAULT_IRIS.record_graph

REPO = Path(__file__).resolve().parents[2]
SHARED_DATA = REPO.parent / "shared" / "data"
PANET_OWL = SHARED_DATA / "panet" / "PaNET-1.3.0.owl"
DCAT_AP_EXAMPLES = SHARED_DATA / "dcat-ap" / "examples-3.0.1"
# Upstream files that are not valid Turtle 1.1 (flagged in the dcat-ap MANIFEST): real failing input.
MALFORMED_EXAMPLES = {
    "example-bee-population-dataset-series-api.ttl",
    "example-bee-population-dataset-series-combined.ttl",
}
EXAMPLES_SOURCE = {
    "id": "dcat-ap-examples",
    "name": "DCAT-AP 3.0.1 examples",
    "url": "https://semiceu.github.io/",
}

Record = tuple[str, list[Triple]]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def parse_turtle(path: Path) -> list[Triple]:
    return [q.triple for q in pyoxigraph.parse(path=path, format=pyoxigraph.RdfFormat.TURTLE)]


def example_paths() -> list[Path]:
    return sorted(p for p in DCAT_AP_EXAMPLES.glob("*.ttl") if p.name not in MALFORMED_EXAMPLES)


def example_records() -> list[Record]:
    """The valid DCAT-AP 3.0.1 example files, each as one record graph."""
    return [(record_graph_iri(EXAMPLES_SOURCE["id"], p.stem), parse_turtle(p)) for p in example_paths()]


def example_provenance(
    harvested_at: datetime, datestamp: str = "2024-05-01", *, run_iri: str | None = None
) -> list[Triple]:
    triples: list[Triple] = []
    for path in example_paths():
        triples += record_provenance(
            record_graph_iri(EXAMPLES_SOURCE["id"], path.stem),
            DEFAULT_IRIS,
            source=EXAMPLES_SOURCE["id"],
            oai_identifier=path.stem,
            datestamp=datestamp,
            harvested_at=harvested_at,
            raw_sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
            mapping_version="test",
            validation_status="not-validated",
            run_iri=run_iri,
        )
    return triples


class OxigraphServer:
    """A real `oxigraph serve` on a free loopback port."""

    def __init__(self, location: Path | None, log: Path, *extra: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        cmd = [oxigraph_binary(), "serve", "--bind", f"127.0.0.1:{self.port}", *extra]
        if location is not None:
            cmd += ["--location", str(location)]
        self.log = log
        with log.open("wb") as out:
            self.process = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
        wait_ready(self.url, self.process, timeout=20)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def fill_store(
    store: GraphStore,
    records: Iterable[Record],
    *,
    provenance: Iterable[Triple] = (),
    panet: bool = True,
) -> GraphStore:
    """Build a store from (graph IRI, triples) pairs. Integration adds crosswalked samples here."""
    if panet:
        load_panet(store, PANET_OWL)
    store.replace_records(records, provenance=provenance)
    return store


HARVESTED_AT = datetime(2024, 5, 2, 3, 0, tzinfo=UTC)
