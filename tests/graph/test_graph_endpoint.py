"""The endpoint as other nodes and users see it: federation, time-out, `pankg serve`, `pankg query`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import requests
from graph_testlib import (
    HARVESTED_AT,
    PANET_OWL,
    OxigraphServer,
    example_provenance,
    example_records,
    fill_store,
    free_port,
)

from flows.cli import main
from flows.cli.graph import render
from graph.iris import DEFAULT_IRIS
from graph.store import (
    SERVE_INFO,
    EmbeddedStore,
    GraphStore,
    HttpStore,
    QueryTimeoutError,
    StoreBusyError,
    open_store,
)

PANET_GRAPH = DEFAULT_IRIS.panet_graph

REPO = Path(__file__).resolve().parents[2]
PANKG = [sys.executable, "-m", "flows.cli"]


def test_federation_another_node_queries_us_with_service(
    tmp_path: Path, oxigraph_server: Callable[..., OxigraphServer]
) -> None:
    ours = oxigraph_server(tmp_path / "ours", "--union-default-graph", "--cors")
    fill_store(HttpStore(ours.url), example_records())
    peer = oxigraph_server(None)  # another EOSC node: an empty in-memory Oxigraph
    answer = HttpStore(peer.url).query(
        f"""PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT ?label WHERE {{
          SERVICE <{ours.url}/query> {{
            GRAPH <{PANET_GRAPH}> {{ <http://purl.org/pan-science/PaNET/PaNET01022> rdfs:label ?label }}
          }}
        }}"""
    )
    assert [s["label"].value for s in answer] == ["diffraction"]  # type: ignore[index, union-attr]


@pytest.mark.slow
def test_a_query_past_the_time_out_ends_with_a_clear_error(
    tmp_path: Path, oxigraph_server: Callable[..., OxigraphServer], capsys: pytest.CaptureFixture[str]
) -> None:
    server = oxigraph_server(tmp_path / "graph", "--union-default-graph", "--timeout-s", "1")
    store = HttpStore(server.url)
    fill_store(store, [])
    started = time.monotonic()
    # A three-way cross product over PaNET's 4,265 triples: far more than a second of work.
    heavy = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    with pytest.raises(QueryTimeoutError, match="time-out"):
        store.query(heavy)
    assert time.monotonic() - started < 20
    # The same through `pankg query --endpoint`: exit status 1 and the reason on stderr.
    assert main(["query", "--endpoint", server.url, heavy]) == 1
    assert "time-out" in capsys.readouterr().err


def test_a_served_directory_is_not_opened_behind_the_servers_back(
    tmp_path: Path, oxigraph_server: Callable[..., OxigraphServer]
) -> None:

    oxigraph_server(tmp_path / "graph")  # no serve.json: not started by `pankg serve`
    with pytest.raises(StoreBusyError, match="held by another process"):
        EmbeddedStore(tmp_path / "graph")


def test_pankg_serve_then_loads_go_through_it(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    port = free_port()
    process = subprocess.Popen(
        [*PANKG, "serve", "--data-dir", str(data_dir), "--bind", f"127.0.0.1:{port}", "--timeout-s", "5"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        assert "serving" in process.stdout.readline()  # printed once the server answers
        info = json.loads((data_dir / SERVE_INFO).read_text())
        assert info["url"] == f"http://127.0.0.1:{port}"
        store = open_store(data_dir, DEFAULT_IRIS)
        assert isinstance(store, HttpStore)
        fill_store(store, example_records(), provenance=example_provenance(HARVESTED_AT))
        page = requests.get(f"{info['url']}/", timeout=5)
        assert page.status_code == 200 and "text/html" in page.headers["Content-Type"]
        # The flow's writes are visible to queries without GRAPH (union default graph).
        out = subprocess.run(
            [*PANKG, "query", "--data-dir", str(data_dir), "--format", "csv",
             "SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE { ?d a <http://www.w3.org/ns/dcat#Dataset> }"],
            cwd=REPO, capture_output=True, text=True, check=True,
        )  # fmt: skip
        assert out.stdout.splitlines()[0] == "n" and int(out.stdout.splitlines()[1]) > 0
        # A second server on the same data dir is refused.
        again = subprocess.run(
            [*PANKG, "serve", "--data-dir", str(data_dir), "--bind", f"127.0.0.1:{free_port()}"],
            cwd=REPO, capture_output=True, text=True, timeout=30,
        )  # fmt: skip
        assert again.returncode == 2 and "already served" in again.stderr
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=15)
    assert not (data_dir / SERVE_INFO).exists()
    # Stopped: the directory is free again and holds what was loaded through HTTP.
    store = open_store(data_dir, DEFAULT_IRIS)
    assert isinstance(store, EmbeddedStore)
    assert len(store.graph_iris()) == len(example_records()) + 2  # + PaNET and provenance
    store.close()


def test_stale_serve_info_falls_back_to_the_directory(tmp_path: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (tmp_path / SERVE_INFO).write_text(json.dumps({"pid": dead.pid, "url": "http://127.0.0.1:9"}))
    store = open_store(tmp_path, DEFAULT_IRIS)
    assert isinstance(store, EmbeddedStore)
    store.close()


def test_serve_refuses_a_public_bind(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--data-dir", str(tmp_path), "--bind", "0.0.0.0:7878"]) == 2
    assert "not loopback" in capsys.readouterr().err


def test_pankg_query_formats_on_the_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = EmbeddedStore(tmp_path / "graph")
    fill_store(store, [])
    store.close()
    label = (
        "SELECT ?label WHERE { <http://purl.org/pan-science/PaNET/PaNET01022> "
        "<http://www.w3.org/2000/01/rdf-schema#label> ?label }"
    )
    os.environ.pop("PANKG_DATA_DIR", None)
    assert main(["query", "--data-dir", str(tmp_path), label]) == 0
    assert capsys.readouterr().out.splitlines() == ["label", "-----------", "diffraction", "(1 row)"]
    assert main(["query", "--data-dir", str(tmp_path), "--format", "json", label]) == 0
    assert json.loads(capsys.readouterr().out)["results"]["bindings"][0]["label"]["value"] == "diffraction"
    assert main(["query", "--data-dir", str(tmp_path), "--format", "csv", label]) == 0
    assert capsys.readouterr().out.splitlines() == ["label", "diffraction"]
    assert main(["query", "--data-dir", str(tmp_path), "ASK { ?s ?p ?o }"]) == 0
    assert capsys.readouterr().out == "true\n"
    assert main(["query", "--data-dir", str(tmp_path), "SELECT * WHERE {"]) == 1
    assert "invalid SPARQL" in capsys.readouterr().err
    rq = REPO / "graph" / "queries" / "datasets-by-technique.rq"
    assert main(["query", "--data-dir", str(tmp_path), f"@{rq}"]) == 0
    assert "(0 rows)" in capsys.readouterr().out


def test_panet_source_file_is_the_shared_one() -> None:
    assert PANET_OWL.is_file(), f"PaNET not found at {PANET_OWL}: CI needs ../shared beside the clone"


def test_construct_and_ask_render_on_both_backends(store: GraphStore) -> None:
    fill_store(store, [])
    label = "<http://www.w3.org/2000/01/rdf-schema#label>"
    construct = (
        f"CONSTRUCT {{ ?t {label} ?l }} WHERE {{ GRAPH <{PANET_GRAPH}> "
        f"{{ VALUES ?t {{ <http://purl.org/pan-science/PaNET/PaNET01022> }} ?t {label} ?l }} }}"
    )
    text = render(store.query(construct), "table")
    assert text == (
        "<http://purl.org/pan-science/PaNET/PaNET01022> <http://www.w3.org/2000/01/rdf-schema#label> "
        '"diffraction" .\n'
    )
    assert render(store.query("ASK { ?s ?p ?o }"), "csv") == "true\n"
    assert json.loads(render(store.query("ASK { ?s ?p ?o }"), "json"))["boolean"] is True
