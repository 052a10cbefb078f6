"""The quarantine store: put / list / remove with reasons, counts per source, atomic through kill -9."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

from shapes.quarantine import QUARANTINE_FILE, QuarantineStore, from_ntriples, to_ntriples
from shapes.validate import QUARANTINED, validate_batch
from tests.shapes import samples as S

REPO = Path(__file__).resolve().parents[2]


def _quarantined(panet) -> list[tuple[S.Record, object]]:
    """Real records that fail the gate as harvested (no description), with their reports."""
    recs = [r for r in S.mapped_samples() if not S.has(r, S.DCT + "description")]
    reports = validate_batch(recs, ontology=panet)
    assert all(reports[r.graph_iri].status == QUARANTINED for r in recs)
    return [(r, reports[r.graph_iri]) for r in recs]


def _source_id(rec: S.Record) -> tuple[str, str]:
    # graph IRI = {base}graph/{source}/{quoted identifier}
    source, identifier = rec.graph_iri.split("/graph/", 1)[1].split("/", 1)
    return source, identifier


def test_put_list_remove(tmp_path: Path, panet) -> None:
    held = _quarantined(panet)
    with QuarantineStore(tmp_path) as store:
        assert store.path == tmp_path / QUARANTINE_FILE
        for rec, rep in held:
            source, identifier = _source_id(rec)
            store.put(source, identifier, rec.graph_iri, "ab" * 32, to_ntriples(rec.triples), rep.results,
                      dataset_iri=rec.dataset_iri, run_id=7)
        assert store.count() == len(held) == 29
        counts = store.counts()
        assert sum(counts.values()) == 29 and set(counts) <= {r.graph_iri.split("/")[5] for r, _ in held}
        rows = store.list("datacite-api")
        assert rows and len(rows) == counts["datacite-api"]
        row = rows[0]
        assert row.reasons == [rep.violations[0].message for _, rep in held][:1]
        assert row.violations[0]["shape"] == "core:Dataset-description" and row.run_id == 7
        # The mapped triples come back exactly (to reload a record a shape fix releases).
        original = next(r for r, _ in held if r.graph_iri == row.graph_iri)
        assert set(map(str, from_ntriples(row.ntriples))) == set(map(str, original.triples))
        # Quarantined again next run: updated in place, attempts counted.
        store.put(row.source, row.identifier, row.graph_iri, "cd" * 32, row.ntriples, row.results)
        again = store.get(row.source, row.identifier)
        assert again is not None and again.attempts == 2 and again.raw_sha256 == "cd" * 32
        assert store.count() == 29
        assert store.remove(row.source, row.identifier) is True
        assert store.remove(row.source, row.identifier) is False
        assert store.get(row.source, row.identifier) is None
        assert store.count("datacite-api") == counts["datacite-api"] - 1
        assert row.identifier not in store.identifiers("datacite-api")
    # Persistent: a new connection sees the same.
    with QuarantineStore(tmp_path / QUARANTINE_FILE) as store:
        assert store.count() == 28
        assert store.list()[0].as_dict()["reasons"]


def test_survives_kill_9(tmp_path: Path) -> None:
    rec = S.mapped_samples()[0]
    path = tmp_path / QUARANTINE_FILE
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    child = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("quarantine_child.py")), str(path)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env, cwd=REPO,
    )
    assert child.stdin and child.stdout
    child.stdin.write(S.to_ntriples(rec))
    child.stdin.close()
    last = -1
    for line in child.stdout:
        last = int(line)
        if last >= 20:
            break
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert child.returncode == -signal.SIGKILL
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    db.close()
    with QuarantineStore(path) as store:
        n = store.count("crash")
        # Every committed batch is there, whole; at most the batch being written when killed is extra.
        assert n % 50 == 0 and (last + 1) * 50 <= n <= (last + 2) * 50
        assert {r.run_id for r in store.list("crash")} >= set(range(last + 1))
