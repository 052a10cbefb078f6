"""Fixtures for the graph tests (helpers live in graph_testlib.py, importable by the test modules)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from graph_testlib import OxigraphServer

from graph.store import EmbeddedStore, GraphStore, HttpStore


@pytest.fixture
def oxigraph_server(tmp_path: Path) -> Iterator[Callable[..., OxigraphServer]]:
    """Factory: `oxigraph_server(location_or_None, *extra_flags)`; every server is stopped at teardown."""
    servers: list[OxigraphServer] = []

    def start(location: Path | None = None, *extra: str) -> OxigraphServer:
        server = OxigraphServer(location, tmp_path / f"oxigraph-{len(servers)}.log", *extra)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture(params=["embedded", "http"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[GraphStore]:
    """An empty store on each backend; the HTTP one is a real server like `pankg serve` runs."""
    if request.param == "embedded":
        s: GraphStore = EmbeddedStore(tmp_path / "graph")
        yield s
        s.close()
        return
    server = OxigraphServer(tmp_path / "graph", tmp_path / "oxigraph.log", "--union-default-graph")
    s = HttpStore(server.url)
    yield s
    s.close()
    server.stop()
