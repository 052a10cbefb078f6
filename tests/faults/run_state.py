"""What a killed run leaves behind (raw store rows, processed marks, record graphs), and how the pipeline
child is started: the checks the kill-9 tests share."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import rdflib

from graph.store import EmbeddedStore
from harvesters.raw_store import RawStore
from shapes.quarantine import to_ntriples
from tests.support.shared_data import REPO


def contents(db: Path) -> set[tuple[object, ...]]:
    with RawStore(db) as store:
        return {(r.identifier, r.datestamp, r.sha256, r.deleted, r.payload) for r in store.records()}


RECORD_GRAPHS = "https://w3id.org/pan-kg/graph/test/"


def run_child(url: str, data: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.faults.pipeline_child", url, str(data)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def processed_count(data: Path) -> int:
    try:
        with sqlite3.connect(f"file:{data / 'raw.sqlite'}?mode=ro", uri=True, timeout=1) as conn:
            return conn.execute("SELECT count(*) FROM processed").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def record_graphs(data: Path) -> dict[str, rdflib.Graph]:
    with EmbeddedStore(data / "graph") as store:
        return {
            iri: rdflib.Graph().parse(data=to_ntriples(store.graph_triples(iri)), format="nt")
            for iri in store.graph_iris()
            if iri.startswith(RECORD_GRAPHS)
        }


def marks(data: Path) -> set[tuple[str, str, str]]:
    with sqlite3.connect(data / "raw.sqlite") as conn:
        return set(conn.execute("SELECT identifier, sha256, status FROM processed"))
