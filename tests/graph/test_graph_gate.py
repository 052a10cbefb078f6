"""The read-only gate (deploy/nginx/pankg.conf), tested for real: nginx in front of `oxigraph serve`."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import rdflib
import requests
from graph_testlib import PANET_OWL, OxigraphServer, example_records, free_port

from graph.load import load_panet
from graph.store import HttpStore
from mappings.vocab import PANKG_IRI, PANKG_ONTOLOGY_IRI, pankg_terms

REPO = Path(__file__).resolve().parents[2]
GATE_CONF = REPO / "deploy" / "nginx" / "pankg.conf"
VOCABULARY_FILE = REPO / "mappings" / "pankg.ttl"


def nginx_binary() -> str:
    found = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None
    )
    if found is None:
        message = "nginx is not installed (Debian: apt-get install nginx-light)"
        if os.environ.get("CI"):
            pytest.fail(message)  # CI installs it: its absence there is a broken build, not a skip
        pytest.skip(message)
    return found


def render_gate(upstream_port: int, listen_port: int) -> str:
    """deploy/nginx/pankg.conf with its marked lines pointed at the test's ports and the repo's vocabulary."""
    text = GATE_CONF.read_text()
    text, n_up = re.subn(r"server \S+;(\s*# pankg: upstream)", rf"server 127.0.0.1:{upstream_port};\1", text)
    text, n_listen = re.subn(r"listen \S+;(\s*# pankg: listen)", rf"listen 127.0.0.1:{listen_port};\1", text)
    text, n_vocabulary = re.subn(r"alias \S+;(\s*# pankg: vocabulary)", rf"alias {VOCABULARY_FILE};\1", text)
    assert (n_up, n_listen, n_vocabulary) == (1, 1, 1), "the marked lines of deploy/nginx/pankg.conf moved"
    return text


@pytest.fixture
def gate(
    tmp_path: Path, oxigraph_server: Callable[..., OxigraphServer]
) -> Iterator[tuple[str, OxigraphServer]]:
    binary = nginx_binary()
    backend = oxigraph_server(tmp_path / "graph", "--union-default-graph", "--cors", "--timeout-s", "5")
    HttpStore(backend.url).replace_records(example_records()[:3])
    root = tmp_path / "nginx"
    root.mkdir()
    port = free_port()
    (root / "pankg.conf").write_text(render_gate(backend.port, port))
    # Own pid, logs and temp paths; one process, no user switch (runs as root in CI, as a user here).
    (root / "nginx.conf").write_text(
        f"""
daemon off;
master_process off;
worker_processes 1;
pid {root}/nginx.pid;
error_log {root}/error.log info;
events {{ worker_connections 64; }}
http {{
    access_log {root}/access.log;
    client_body_temp_path {root}/client_body;
    proxy_temp_path {root}/proxy;
    fastcgi_temp_path {root}/fastcgi;
    uwsgi_temp_path {root}/uwsgi;
    scgi_temp_path {root}/scgi;
    include {root}/pankg.conf;
}}
"""
    )
    cmd = [binary, "-p", str(root), "-c", str(root / "nginx.conf"), "-e", str(root / "error.log")]
    check = subprocess.run([*cmd, "-t"], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    process = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 10
        while True:
            assert process.poll() is None, (root / "error.log").read_text()
            try:
                requests.get(url + "/", timeout=1)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, "nginx did not start"
                time.sleep(0.05)
        yield url, backend
    finally:
        process.terminate()
        process.wait(timeout=10)


def state(backend: OxigraphServer) -> tuple[int, set[str]]:
    store = HttpStore(backend.url)
    return store.quad_count(), store.graph_iris()


ASK = "ASK { ?s a <http://www.w3.org/ns/dcat#Dataset> }"
NT = "<urn:a> <urn:b> <urn:c> ."
SPARQL_QUERY = {"Content-Type": "application/sparql-query"}
INSERT = "INSERT DATA { GRAPH <https://w3id.org/pan-kg/graph/evil> { <urn:a> <urn:b> <urn:c> } }"


def test_queries_and_query_page_pass(gate: tuple[str, OxigraphServer]) -> None:
    url, _ = gate
    json_accept = {"Accept": "application/sparql-results+json"}
    r = requests.get(f"{url}/query", params={"query": ASK}, headers=json_accept, timeout=10)
    assert r.status_code == 200 and r.json()["boolean"] is True
    r = requests.post(
        f"{url}/query",
        data=ASK,
        headers={"Content-Type": "application/sparql-query", **json_accept},
        timeout=10,
    )
    assert r.status_code == 200 and r.json()["boolean"] is True
    r = requests.post(f"{url}/query", data={"query": ASK}, headers=json_accept, timeout=10)
    assert r.status_code == 200 and r.json()["boolean"] is True
    # Our own client through the gate, as another node would use it.
    assert bool(HttpStore(f"{url}/query").query(ASK))
    page = requests.get(f"{url}/", timeout=10)
    assert page.status_code == 200 and "text/html" in page.headers["Content-Type"]
    assert requests.get(f"{url}/yasgui.min.js", timeout=10).status_code == 200
    preflight = requests.options(
        f"{url}/query",
        headers={"Origin": "https://example.org", "Access-Control-Request-Method": "POST"},
        timeout=10,
    )
    assert preflight.status_code == 204


def test_the_vocabulary_is_served_at_its_namespace(gate: tuple[str, OxigraphServer]) -> None:
    """GET /ns (where https://w3id.org/pan-kg/ns redirects) answers the pankg vocabulary as Turtle: every
    term the node uses, with a label, and nothing else than GET."""
    url, _ = gate
    r = requests.get(f"{url}/ns", headers={"Accept": "text/turtle"}, timeout=10)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/turtle")
    served = rdflib.Graph().parse(data=r.text, format="turtle")
    assert (rdflib.URIRef(PANKG_ONTOLOGY_IRI), rdflib.RDF.type, rdflib.OWL.Ontology) in served
    labelled = {str(s) for s in served.subjects(rdflib.RDFS.label) if str(s).startswith(PANKG_IRI)}
    assert labelled == {t.value for t in pankg_terms()}
    assert requests.post(f"{url}/ns", data="x", timeout=10).status_code == 403


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "expected"),
    [
        ("POST", "/update", {"data": INSERT, "headers": {"Content-Type": "application/sparql-update"}}, 403),
        ("POST", "/update", {"data": {"update": INSERT}}, 403),
        ("GET", "/update", {}, 403),
        (
            "PUT",
            "/store?graph=https://w3id.org/pan-kg/graph/evil",
            {"data": "<urn:a> <urn:b> <urn:c> ."},
            403,
        ),
        (
            "POST",
            "/store?graph=https://w3id.org/pan-kg/graph/evil",
            {"data": "<urn:a> <urn:b> <urn:c> ."},
            403,
        ),
        (
            "POST",
            "/store",
            {"data": "<urn:a> <urn:b> <urn:c> <urn:g> .", "headers": {"Content-Type": "application/n-quads"}},
            403,
        ),
        ("DELETE", "/store?graph=https://w3id.org/pan-kg/graph/panet", {}, 403),
        ("DELETE", "/store", {}, 403),
        ("GET", "/store", {}, 403),  # a full dump of the store
        ("PUT", "/query", {"data": INSERT}, 403),
        ("DELETE", "/query", {}, 403),
        ("POST", "/", {"data": {"update": INSERT}}, 403),
        ("GET", "/query/../update", {}, 403),
        ("GET", "/%75pdate", {}, 403),
        ("GET", "//store", {}, 403),
        ("GET", "/anything-else", {}, 404),
    ],
)
def test_write_paths_are_refused(
    gate: tuple[str, OxigraphServer], method: str, path: str, kwargs: dict[str, object], expected: int
) -> None:
    url, backend = gate
    before = state(backend)
    # A prepared request keeps "..", "%75" and "//" exactly as written.
    session = requests.Session()
    request = session.prepare_request(requests.Request(method, url + "/x", **kwargs))  # type: ignore[arg-type]
    request.url = url + path
    response = session.send(request, timeout=10)
    assert response.status_code == expected
    assert state(backend) == before


def test_update_smuggled_into_query_endpoint_writes_nothing(gate: tuple[str, OxigraphServer]) -> None:
    url, backend = gate
    before = state(backend)
    r = requests.post(f"{url}/query", data={"update": INSERT}, timeout=10)
    assert r.status_code == 400
    r = requests.post(
        f"{url}/query", data=INSERT, headers={"Content-Type": "application/sparql-query"}, timeout=10
    )
    assert r.status_code == 400
    assert state(backend) == before


def test_oversized_body_is_refused(gate: tuple[str, OxigraphServer]) -> None:
    url, _ = gate
    query = ASK + " #" + "x" * (100 * 1024)
    r = requests.post(
        f"{url}/query", data=query, headers={"Content-Type": "application/sparql-query"}, timeout=10
    )
    assert r.status_code == 413


def test_control_the_backend_itself_accepts_writes(gate: tuple[str, OxigraphServer]) -> None:
    """Without the gate the same update goes through: the refusals above are the gate's doing."""
    _, backend = gate
    before = state(backend)
    r = requests.post(
        f"{backend.url}/update",
        data=INSERT,
        headers={"Content-Type": "application/sparql-update"},
        timeout=10,
    )
    assert r.status_code == 204
    assert state(backend) != before


def test_federation_through_the_gate(
    gate: tuple[str, OxigraphServer], oxigraph_server: Callable[..., OxigraphServer]
) -> None:
    """Another EOSC node reaches us only through the public gate."""
    url, _ = gate
    peer = oxigraph_server(None)
    answer = HttpStore(peer.url).query(
        f"SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE {{ SERVICE <{url}/query> "
        "{ ?d a <http://www.w3.org/ns/dcat#Dataset> } }"
    )
    assert int(next(iter(answer))["n"].value) > 0  # type: ignore[arg-type, index]


@pytest.mark.slow
def test_a_query_past_the_time_out_ends_with_an_error_while_others_are_answered(
    gate: tuple[str, OxigraphServer],
) -> None:
    import threading

    url, backend = gate
    load_panet(HttpStore(backend.url), PANET_OWL)
    # A three-way cross product over PaNET's triples: far more than the backend's 5 s query time-out.
    heavy = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    outcome: dict[str, requests.Response | Exception] = {}

    def run_heavy() -> None:
        try:
            outcome["heavy"] = requests.get(f"{url}/query", params={"query": heavy}, timeout=60)
        except requests.RequestException as exc:  # a cut-off stream is also a clear end
            outcome["heavy"] = exc

    thread = threading.Thread(target=run_heavy)
    started = time.monotonic()
    thread.start()
    time.sleep(0.5)
    # Meanwhile other clients' queries keep being answered, quickly.
    for _ in range(3):
        quick = requests.get(f"{url}/query", params={"query": ASK},
                             headers={"Accept": "application/sparql-results+json"}, timeout=10)  # fmt: skip
        assert quick.status_code == 200 and quick.json()["boolean"] is True
    assert time.monotonic() - started < 5, "quick queries waited for the heavy one"
    thread.join(timeout=60)
    heavy_result = outcome["heavy"]
    assert time.monotonic() - started < 30
    if isinstance(heavy_result, requests.Response):
        # Oxigraph streams results: a time-out is an error status, or a body that ends with the reason.
        assert heavy_result.status_code != 200 or "cancelled" in heavy_result.text, heavy_result.text[:300]
