"""The outcome store: a run's rows written batch by batch under its key, given the raw store's run id when
the harvest has ended, read back in order; only the last runs of a source are kept."""

from __future__ import annotations

from pathlib import Path

from shapes.outcomes import KEEP_RUNS, OutcomeStore


def rows(source: str, count: int, status: str = "valid") -> list[dict[str, object]]:
    return [
        {
            "source": source,
            "run_id": 0,
            "identifier": f"oai:{i}",
            "status": status,
            "violations": [],
            "doi": True,
        }
        for i in range(count)
    ]


def test_rows_of_a_run_come_back_under_its_run_id(tmp_path: Path) -> None:
    with OutcomeStore(tmp_path) as store:
        sink = store.for_run("https://w3id.org/pan-kg/run/local/1")
        sink.extend(rows("local", 3))
        sink.extend(rows("local", 2, "quarantined"))
        assert not store.has_run("local", 7) and list(store.rows("local", 7)) == []
        store.assign_run("https://w3id.org/pan-kg/run/local/1", "local", 7)
        back = list(store.rows("local", 7))
    assert [r["status"] for r in back] == ["valid"] * 3 + ["quarantined"] * 2
    assert back[0] == rows("local", 1)[0] | {"run_id": 7}


def test_only_the_last_runs_of_a_source_are_kept(tmp_path: Path) -> None:
    with OutcomeStore(tmp_path) as store:
        for run_id in range(1, KEEP_RUNS + 3):
            store.for_run(f"key-{run_id}").extend(rows("local", 2))
            store.assign_run(f"key-{run_id}", "local", run_id)
        store.for_run("other").extend(rows("other", 1))
        store.assign_run("other", "other", 1)
        kept = [run_id for run_id in range(1, KEEP_RUNS + 3) if store.has_run("local", run_id)]
        assert kept == list(range(3, KEEP_RUNS + 3))
        assert list(store.rows("local", 1)) == []
        assert len(list(store.rows("local", KEEP_RUNS + 2))) == 2
        assert store.has_run("other", 1)
