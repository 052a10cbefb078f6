"""The quarantine store: put / list / remove with reasons, counts per source, atomic through kill -9."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

from shapes.quarantine import QUARANTINE_FILE, QuarantineStore, from_ntriples, to_ntriples
from shapes.validate import QUARANTINED, SHAPES_DIR, validate_batch
from tests.shapes import samples as S

REPO = Path(__file__).resolve().parents[2]


def _quarantined(panet) -> list[tuple[S.Record, object]]:
    """Real records that fail the gate as harvested (no description), with their reports."""
    recs = [r for r in S.mapped_samples() if not S.has(r, S.DCT + "description")]
    assert len(recs) == 29
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
            store.put(
                source,
                identifier,
                rec.graph_iri,
                "ab" * 32,
                to_ntriples(rec.triples),
                rep.results,
                dataset_iri=rec.dataset_iri,
                run_id=7,
            )
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
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        cwd=REPO,
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
        # Every batch the child reported is there, and only whole batches (the child may have committed a
        # few more between printing and being killed, never half of one).
        assert n % 50 == 0 and n >= (last + 1) * 50
        assert {r.run_id for r in store.list("crash")} == set(range(n // 50))


def test_quarantine_then_fix_releases(tmp_path: Path, panet) -> None:
    """Run 1: records whose description the provider lost are quarantined, the rest pass. Run 2: the
    provider fixed them (the real records again, same identifiers): they are released and loadable."""
    originals = S.valid_samples()[:12]
    lost = {r.graph_iri for r in originals[::3]}
    run1 = [
        S.Record(r.dataset_iri, r.graph_iri, S.drop(S.DCT + "description")(r).triples)
        if r.graph_iri in lost
        else r
        for r in originals
    ]
    with QuarantineStore(tmp_path) as store:
        items = [(_source_id(r)[1], "1" * 64, r) for r in run1]
        load, held = store.apply("src", items, validate_batch(run1, ontology=panet), run_id=1)
        assert len(held) == 4 and len(load) == 8 and store.count("src") == 4
        assert all(q.reasons[0].startswith("The dataset has no description") for q in store.list("src"))
        items = [(_source_id(r)[1], "2" * 64, r) for r in originals]
        load, held = store.apply("src", items, validate_batch(originals, ontology=panet), run_id=2)
        assert held == [] and len(load) == 12 and store.count("src") == 0


def test_recheck_after_a_shape_fix(tmp_path: Path, panet) -> None:
    """Held records are re-validated from their stored triples: with the same shapes they stay (attempts
    counted); with shapes that no longer require what they lack (here: only the recommended file) they are
    released to the caller, who removes them once loaded."""
    held = _quarantined(panet)[:5]
    with QuarantineStore(tmp_path) as store:
        for rec, rep in held:
            source, identifier = _source_id(rec)
            store.put(source, identifier, rec.graph_iri, "ab" * 32, to_ntriples(rec.triples), rep.results,
                      dataset_iri=rec.dataset_iri, run_id=3)  # fmt: skip
        assert store.recheck(ontology=panet) == []
        assert {q.attempts for q in store.list()} == {2} and {q.run_id for q in store.list()} == {3}
        released = store.recheck(shapes=SHAPES_DIR / "recommended.ttl", ontology=panet)
        assert len(released) == 5 and all(rep.status != QUARANTINED for _, rep in released)
        assert store.count() == 5  # still held until loaded
        for q, _ in released:
            store.remove(q.source, q.identifier)
        assert store.count() == 0
