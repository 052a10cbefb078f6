"""The outcome rows of each run (one per validated record, `shapes.report.outcome_row`), stored once, where
the quality report reads them: `DATA_DIR/outcomes.sqlite`.

Processing writes them batch by batch while the harvest beside it is still running, before the raw store's
run id is known, so rows are written under the run's key (its provenance IRI) and given the run id when the
harvest has ended (`assign_run`). Rows stream in and out: a 600,000-record run holds none of them in memory.
Only the last `KEEP_RUNS` runs of a source are kept (the per-run CSVs under `reports/` keep the rest).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path

from harvesters import sqlite

OUTCOMES_FILE = "outcomes.sqlite"
KEEP_RUNS = 3

SCHEMA = """
CREATE TABLE IF NOT EXISTS outcomes (
    run_key     TEXT NOT NULL,
    run_id      INTEGER,            -- NULL until the run's harvest has ended
    source      TEXT NOT NULL,
    identifier  TEXT NOT NULL,
    outcome     TEXT NOT NULL       -- the outcome row, JSON
);
CREATE INDEX IF NOT EXISTS outcomes_key ON outcomes (run_key);
CREATE INDEX IF NOT EXISTS outcomes_run ON outcomes (source, run_id);
-- The runs whose rows are all here (a run may have none: nothing changed), the last KEEP_RUNS per source.
CREATE TABLE IF NOT EXISTS runs (
    source  TEXT NOT NULL,
    run_id  INTEGER NOT NULL,
    PRIMARY KEY (source, run_id)
) WITHOUT ROWID;
"""


class OutcomeStore(sqlite.SqliteStore):
    SCHEMA = SCHEMA

    def __init__(self, path: Path | str) -> None:
        path = Path(path)
        super().__init__(path / OUTCOMES_FILE if path.is_dir() else path)

    def add(self, run_key: str, rows: Iterable[dict[str, object]]) -> int:
        """One batch of rows of the run `run_key`, in one transaction."""
        values = [
            (run_key, str(r["source"]), str(r["identifier"]), json.dumps(r, ensure_ascii=False)) for r in rows
        ]
        if values:
            with self.transaction() as db:
                db.executemany(
                    "INSERT INTO outcomes (run_key, source, identifier, outcome) VALUES (?, ?, ?, ?)", values
                )
        return len(values)

    def for_run(self, run_key: str) -> RunOutcomes:
        """The sink processing writes to (`extend`, batch by batch)."""
        return RunOutcomes(self, run_key)

    def assign_run(self, run_key: str, source: str, run_id: int) -> None:
        """Give the rows of `run_key` the raw store's run id; drop the rows of the source's older runs."""
        with self.transaction() as db:
            db.execute(
                "DELETE FROM outcomes WHERE source=? AND run_id=?", (source, run_id)
            )  # a re-assignment
            db.execute("UPDATE outcomes SET run_id=? WHERE run_key=?", (run_id, run_key))
            db.execute("INSERT OR IGNORE INTO runs (source, run_id) VALUES (?, ?)", (source, run_id))
            db.execute(
                "DELETE FROM runs WHERE source=? AND run_id NOT IN"
                " (SELECT run_id FROM runs WHERE source=? ORDER BY run_id DESC LIMIT ?)",
                (source, source, KEEP_RUNS),
            )
            db.execute(
                "DELETE FROM outcomes WHERE source=? AND run_id IS NOT NULL"
                " AND run_id NOT IN (SELECT run_id FROM runs WHERE source=?)",
                (source, source),
            )

    def has_run(self, source: str, run_id: int) -> bool:
        """Whether the rows of this run are stored (a run that validated nothing has none, and is stored)."""
        row = self._db.execute("SELECT 1 FROM runs WHERE source=? AND run_id=?", (source, run_id)).fetchone()
        return row is not None

    def rows(self, source: str, run_id: int) -> Iterator[dict[str, object]]:
        """The outcome rows of one run, in the order they were written."""
        cursor = self._db.execute(
            "SELECT outcome FROM outcomes WHERE source=? AND run_id=? ORDER BY rowid", (source, run_id)
        )
        for (text,) in cursor:
            yield json.loads(text) | {"run_id": run_id}


class RunOutcomes:
    """The outcome rows of one run as processing writes them (an `OutcomeSink`)."""

    def __init__(self, store: OutcomeStore, run_key: str) -> None:
        self.store, self.run_key = store, run_key

    def extend(self, rows: Iterable[dict[str, object]], /) -> None:
        self.store.add(self.run_key, rows)
