"""The quarantine: records that failed the core / PaN shapes, kept with everything needed to explain and
retry them (raw payload pointer, mapped triples, validation results), never silently dropped.

`DATA_DIR/quarantine.sqlite`, SQLite in WAL mode like the raw store: each put / remove is one transaction,
so a `kill -9` loses at most the batch being written and never leaves a half-written row. The raw payload
itself stays in the raw store; the pointer is (source, identifier, raw sha256), which also tells whether the
provider has changed the record since it was quarantined.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph

from harvesters import sqlite
from shapes.validate import QUARANTINED, MappedLike, RecordReport, Result, validate_batch

QUARANTINE_FILE = "quarantine.sqlite"

SCHEMA = """
CREATE TABLE IF NOT EXISTS quarantine (
    source       TEXT NOT NULL,
    identifier   TEXT NOT NULL,
    graph_iri    TEXT NOT NULL,
    dataset_iri  TEXT NOT NULL DEFAULT '',
    raw_sha256   TEXT NOT NULL,
    ntriples     TEXT NOT NULL,
    results      TEXT NOT NULL,
    run_id       INTEGER,
    first_seen   TEXT NOT NULL,
    last_seen    TEXT NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (source, identifier)
) WITHOUT ROWID;
"""


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def to_ntriples(triples: Iterable[pyoxigraph.Triple]) -> str:
    return pyoxigraph.serialize(list(triples), format=pyoxigraph.RdfFormat.N_TRIPLES).decode()


def from_ntriples(text: str) -> list[pyoxigraph.Triple]:
    """The mapped triples back (e.g. to load a record released by a shape fix without re-mapping)."""
    return [q.triple for q in pyoxigraph.parse(text.encode(), format=pyoxigraph.RdfFormat.N_TRIPLES)]


@dataclass(frozen=True)
class QuarantinedRecord:
    source: str
    identifier: str
    graph_iri: str
    dataset_iri: str
    raw_sha256: str
    ntriples: str
    results: list[dict[str, str]]
    run_id: int | None
    first_seen: str
    last_seen: str
    attempts: int

    @property
    def violations(self) -> list[dict[str, str]]:
        return [r for r in self.results if r.get("severity") == "Violation"]

    @property
    def reasons(self) -> list[str]:
        """The distinct violation messages, in report order: what the steward has to fix."""
        return list(dict.fromkeys(r["message"] for r in self.violations))

    def as_dict(self, *, with_triples: bool = False) -> dict[str, object]:
        out: dict[str, object] = {
            "source": self.source,
            "identifier": self.identifier,
            "graph_iri": self.graph_iri,
            "dataset_iri": self.dataset_iri,
            "raw_sha256": self.raw_sha256,
            "run_id": self.run_id,
            "first_seen": self.first_seen,
            "last_seen": self.last_seen,
            "attempts": self.attempts,
            "reasons": self.reasons,
            "results": self.results,
        }
        if with_triples:
            out["ntriples"] = self.ntriples
        return out


@dataclass(slots=True)
class _Held:
    dataset_iri: str
    graph_iri: str
    triples: list[pyoxigraph.Triple]


@dataclass(frozen=True)
class Entry:
    """One record to quarantine (what `put_many` takes)."""

    source: str
    identifier: str
    graph_iri: str
    raw_sha256: str
    ntriples: str
    results: Sequence[Result | dict[str, str]]
    dataset_iri: str = ""


def _results_json(results: Sequence[Result | dict[str, str]]) -> str:
    return json.dumps(
        [r.as_dict() if isinstance(r, Result) else dict(r) for r in results], ensure_ascii=False
    )


class QuarantineStore(sqlite.SqliteStore):
    SCHEMA = SCHEMA

    def __init__(self, path: Path | str) -> None:
        path = Path(path)
        super().__init__(path / QUARANTINE_FILE if path.is_dir() else path)

    # --- writes ------------------------------------------------------------------------------------------

    def put(
        self,
        source: str,
        identifier: str,
        graph_iri: str,
        raw_sha256: str,
        ntriples: str,
        results: Sequence[Result | dict[str, str]],
        *,
        dataset_iri: str = "",
        run_id: int | None = None,
    ) -> None:
        self.put_many(
            [Entry(source, identifier, graph_iri, raw_sha256, ntriples, results, dataset_iri)], run_id
        )

    def put_many(self, entries: Iterable[Entry], run_id: int | None = None) -> int:
        """Quarantine a batch in one transaction; a record already held is updated (attempts + 1)."""
        now = utc_now()
        rows = [
            (
                e.source,
                e.identifier,
                e.graph_iri,
                e.dataset_iri,
                e.raw_sha256,
                e.ntriples,
                _results_json(e.results),
                run_id,
                now,
                now,
            )
            for e in entries
        ]
        if rows:
            with self.transaction() as db:
                db.executemany(
                    "INSERT INTO quarantine (source, identifier, graph_iri, dataset_iri, raw_sha256, ntriples,"
                    " results, run_id, first_seen, last_seen) VALUES (?,?,?,?,?,?,?,?,?,?)"
                    " ON CONFLICT(source, identifier) DO UPDATE SET graph_iri=excluded.graph_iri,"
                    " dataset_iri=excluded.dataset_iri, raw_sha256=excluded.raw_sha256, ntriples=excluded.ntriples,"
                    " results=excluded.results, run_id=excluded.run_id, last_seen=excluded.last_seen,"
                    " attempts=attempts+1",
                    rows,
                )
        return len(rows)

    def remove(self, source: str, identifier: str) -> bool:
        """Release a record (it passed after a fix, or the provider deleted it). True if it was held."""
        return self.remove_many(source, [identifier]) > 0

    def remove_many(self, source: str, identifiers: Iterable[str]) -> int:
        with self.transaction() as db:
            cursor = db.executemany(
                "DELETE FROM quarantine WHERE source=? AND identifier=?", [(source, i) for i in identifiers]
            )
            return cursor.rowcount

    def apply(
        self,
        source: str,
        items: Iterable[tuple[str, str, MappedLike]],
        reports: dict[str, RecordReport],
        run_id: int | None = None,
    ) -> tuple[list[str], list[str]]:
        """Apply one validated batch: (identifier, raw sha256, mapped record) per item.

        Quarantined records are put (triples + results); records that pass now are released if they were
        held. Both in one transaction each. Returns (identifiers to load, identifiers quarantined).
        """
        entries, passed = [], []
        for identifier, sha, rec in items:
            report = reports[rec.graph_iri]
            if report.status == QUARANTINED:
                entries.append(
                    Entry(
                        source,
                        identifier,
                        rec.graph_iri,
                        sha,
                        to_ntriples(rec.triples),
                        report.results,
                        rec.dataset_iri,
                    )
                )
            else:
                passed.append(identifier)
        self.put_many(entries, run_id)
        self.remove_many(source, passed)
        return passed, [e.identifier for e in entries]

    def recheck(
        self,
        source: str | None = None,
        *,
        shapes: object = None,
        ontology: object = None,
        batch_size: int = 2000,
    ) -> list[tuple[QuarantinedRecord, RecordReport]]:
        """Re-validate the held mapped triples against the current shapes (after a shape fix; a mapping fix
        needs `pankg remap`, which maps again from the raw store).

        Records that still fail get their new results (attempts + 1). Records that pass are returned with
        their new report and stay held: the caller loads them, then `remove`s them, so a failed load never
        loses a record.
        """
        released: list[tuple[QuarantinedRecord, RecordReport]] = []
        held = self.list(source)
        for start in range(0, len(held), batch_size):
            chunk = held[start : start + batch_size]
            records = [_Held(q.dataset_iri, q.graph_iri, from_ntriples(q.ntriples)) for q in chunk]
            reports = validate_batch(records, shapes=shapes, ontology=ontology)  # type: ignore[arg-type]
            still: dict[int | None, list[Entry]] = {}  # by run, so each row keeps the run that quarantined it
            for q in chunk:
                report = reports[q.graph_iri]
                if report.status != QUARANTINED:
                    released.append((q, report))
                    continue
                entry = Entry(
                    q.source,
                    q.identifier,
                    q.graph_iri,
                    q.raw_sha256,
                    q.ntriples,
                    report.results,
                    q.dataset_iri,
                )
                still.setdefault(q.run_id, []).append(entry)
            for run_id, entries in still.items():
                self.put_many(entries, run_id)
        return released

    # --- reads -------------------------------------------------------------------------------------------

    _COLUMNS = (
        "source, identifier, graph_iri, dataset_iri, raw_sha256, ntriples, results, run_id, first_seen,"
        " last_seen, attempts"
    )

    @staticmethod
    def _row(row: tuple) -> QuarantinedRecord:
        return QuarantinedRecord(*row[:6], json.loads(row[6]), *row[7:])

    def list(self, source: str | None = None) -> list[QuarantinedRecord]:
        sql = f"SELECT {self._COLUMNS} FROM quarantine"
        args: tuple = ()
        if source is not None:
            sql += " WHERE source=?"
            args = (source,)
        sql += " ORDER BY source, identifier"
        return [self._row(r) for r in self._db.execute(sql, args)]

    def get(self, source: str, identifier: str) -> QuarantinedRecord | None:
        row = self._db.execute(
            f"SELECT {self._COLUMNS} FROM quarantine WHERE source=? AND identifier=?", (source, identifier)
        ).fetchone()
        return self._row(row) if row else None

    def identifiers(self, source: str) -> list[str]:
        """The identifiers held for `source`."""
        return [r[0] for r in self._db.execute("SELECT identifier FROM quarantine WHERE source=?", (source,))]

    def counts(self) -> dict[str, int]:
        """Quarantined records per source."""
        return dict(
            self._db.execute("SELECT source, count(*) FROM quarantine GROUP BY source ORDER BY source")
        )

    def count(self, source: str | None = None) -> int:
        if source is None:
            return int(self._db.execute("SELECT count(*) FROM quarantine").fetchone()[0])
        return int(
            self._db.execute("SELECT count(*) FROM quarantine WHERE source=?", (source,)).fetchone()[0]
        )
