"""The loopback Oxigraph server (`pankg serve`) killed -9 during a load: the run fails cleanly (the batches
that could not be written stay pending), and the next run, with the server back, completes it: the graph
then equals a clean run's, record graph by record graph."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rdflib.compare import isomorphic

from graph.store import SERVE_INFO
from tests.faults.run_state import marks, processed_count, record_graphs, run_child
from tests.support.corpus import served_records
from tests.support.http_server import FastLoopbackServer
from tests.support.oai_server import RecordSet, oai_app
from tests.support.shared_data import REPO

pytestmark = pytest.mark.faults


def start_serve(data: Path, port: int) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "flows.cli", "serve", "--data-dir", str(data), "--bind", f"127.0.0.1:{port}"],
        cwd=REPO, stdout=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip
    assert process.stdout is not None and "serving" in process.stdout.readline()
    return process


def stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=15)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_server_killed_during_a_load_then_the_next_run_completes(tmp_path: Path) -> None:
    with FastLoopbackServer(oai_app(RecordSet(served_records()), page_size=3)) as provider:
        clean, served = tmp_path / "clean", tmp_path / "served"
        done = run_child(provider.url, clean)
        assert done.wait(timeout=120) == 0, done.communicate()[1].decode()

        serve = start_serve(served, free_port())
        try:
            oxigraph_pid = json.loads((served / SERVE_INFO).read_text())["pid"]
            child = run_child(provider.url, served)  # loads through the server (serve.json)
            deadline = time.monotonic() + 60
            while processed_count(served) < 5 and time.monotonic() < deadline and child.poll() is None:
                time.sleep(0.01)
            os.kill(oxigraph_pid, signal.SIGKILL)  # the server dies in the middle of the loads
            out, err = child.communicate(timeout=120)
        finally:
            stop(serve)
        # The run failed cleanly: a clear store error, and what was not written is still pending.
        assert child.returncode == 1, err.decode()
        harvested, _fetched, _loaded, _quarantined, failed = out.decode().split()
        assert harvested == "ok" and int(failed) > 0
        assert "load failed" in err.decode() and "http://127.0.0.1" in err.decode()
        assert processed_count(served) < processed_count(clean)

        serve = start_serve(served, free_port())
        try:
            rerun = run_child(provider.url, served)
            _, err = rerun.communicate(timeout=120)
            assert rerun.returncode == 0, err.decode()
        finally:
            stop(serve)

    assert marks(served) == marks(clean)
    expected, got = record_graphs(clean), record_graphs(served)
    assert set(got) == set(expected)
    assert all(isomorphic(got[iri], expected[iri]) for iri in expected)
