"""The raw store: the latest payload of every record per source, bookmarks, and the log of runs.

SQLite (standard library) in WAL mode: one file, atomic transactions that survive kill -9, an index on
(source, identifier) that keeps upserts flat at 600,000 records, and readers that never block the writer.
Payloads are zlib-compressed (metadata XML shrinks ~4x); the sha256 is over the uncompressed bytes.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from harvesters import sqlite
from harvesters.records import RawRecord

SCHEMA_VERSION = 1
# The raw store's file in a data directory.
RAW_STORE_FILE = "raw.sqlite"

SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    source          TEXT NOT NULL,
    identifier      TEXT NOT NULL,
    datestamp       TEXT NOT NULL,
    metadata_prefix TEXT NOT NULL,
    sets            TEXT NOT NULL DEFAULT '',
    sha256          TEXT NOT NULL,
    payload         BLOB NOT NULL,
    deleted         INTEGER NOT NULL DEFAULT 0,
    first_seen      TEXT NOT NULL,
    last_seen       TEXT NOT NULL,
    last_run        INTEGER NOT NULL,
    changed_run     INTEGER NOT NULL,
    PRIMARY KEY (source, identifier)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS records_changed ON records (source, changed_run);

CREATE TABLE IF NOT EXISTS runs (
    run_id        INTEGER PRIMARY KEY AUTOINCREMENT,
    source        TEXT NOT NULL,
    mode          TEXT NOT NULL,
    started_at    TEXT NOT NULL,
    finished_at   TEXT,
    status        TEXT NOT NULL DEFAULT 'running',
    window_from   TEXT,
    window_until  TEXT,
    fetched       INTEGER NOT NULL DEFAULT 0,
    new           INTEGER NOT NULL DEFAULT 0,
    changed       INTEGER NOT NULL DEFAULT 0,
    unchanged     INTEGER NOT NULL DEFAULT 0,
    deleted       INTEGER NOT NULL DEFAULT 0,
    failed_pages  INTEGER NOT NULL DEFAULT 0,
    message       TEXT NOT NULL DEFAULT ''
);

CREATE TABLE IF NOT EXISTS bookmarks (
    key         TEXT PRIMARY KEY,
    source      TEXT NOT NULL,
    bookmark    TEXT NOT NULL,
    run_id      INTEGER NOT NULL,
    updated_at  TEXT NOT NULL
);

-- What the downstream stages made of each record's current payload: which raw sha256 and mapping
-- version were mapped, validated and loaded (or quarantined, or deleted from the graph). A record is
-- pending when its payload or the mapping version differs from what was processed: unchanged records
-- skip mapping, validation and loading.
CREATE TABLE IF NOT EXISTS processed (
    source          TEXT NOT NULL,
    identifier      TEXT NOT NULL,
    sha256          TEXT NOT NULL,
    mapping_version TEXT NOT NULL,  -- processed under: mapping version + shapes/PaNET fingerprint
    status          TEXT NOT NULL,
    graph_iri       TEXT,
    updated_at      TEXT NOT NULL,
    PRIMARY KEY (source, identifier)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS findings (
    run_id   INTEGER NOT NULL,
    source   TEXT NOT NULL,
    kind     TEXT NOT NULL,
    detail   TEXT NOT NULL
);
"""


def _record(row: tuple) -> RawRecord:
    """A RawRecord from a row of (source, identifier, datestamp, metadata_prefix, payload, deleted, sets,
    sha256), the column order every record query here selects."""
    source, identifier, datestamp, prefix, payload, deleted, sets, sha = row
    return RawRecord(source, identifier, datestamp, prefix, zlib.decompress(payload), bool(deleted),
                     tuple(sets.split()), sha)  # fmt: skip


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class UpsertCounts:
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    deleted: int = 0

    def add(self, other: UpsertCounts) -> None:
        self.new += other.new
        self.changed += other.changed
        self.unchanged += other.unchanged
        self.deleted += other.deleted


@dataclass(frozen=True)
class StoredRecord:
    source: str
    identifier: str
    datestamp: str
    metadata_prefix: str
    sha256: str
    deleted: bool
    first_seen: str
    last_seen: str
    last_run: int
    changed_run: int


class RawStore(sqlite.SqliteStore):
    SCHEMA = SCHEMA

    def __init__(self, path: Path | str, *, read_only: bool = False) -> None:
        """`read_only`: an existing store, opened without writing anything (status, reports)."""
        super().__init__(path, read_only=read_only)
        # Written only when it changes: opening the store (e.g. `pankg status`) must work on a full disk.
        if not read_only and self._db.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
            self._db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    # --- runs --------------------------------------------------------------------------------------------

    def start_run(self, source: str, mode: str, window_from: str | None, window_until: str | None) -> int:
        with self.transaction() as db:
            cursor = db.execute(
                "INSERT INTO runs (source, mode, started_at, window_from, window_until) VALUES (?, ?, ?, ?, ?)",
                (source, mode, utc_now(), window_from, window_until),
            )
            return int(cursor.lastrowid or 0)

    def finish_run(
        self,
        run_id: int,
        status: str,
        counts: UpsertCounts,
        fetched: int,
        failed_pages: int,
        message: str = "",
    ) -> None:
        with self.transaction() as db:
            db.execute(
                "UPDATE runs SET finished_at=?, status=?, fetched=?, new=?, changed=?, unchanged=?, deleted=?,"
                " failed_pages=?, message=? WHERE run_id=?",
                (
                    utc_now(),
                    status,
                    fetched,
                    counts.new,
                    counts.changed,
                    counts.unchanged,
                    counts.deleted,
                    failed_pages,
                    message,
                    run_id,
                ),
            )

    def add_findings(self, run_id: int, source: str, kind: str, details: Iterable[str]) -> None:
        rows = [(run_id, source, kind, d) for d in details]
        if rows:
            with self.transaction() as db:
                db.executemany(
                    "INSERT INTO findings (run_id, source, kind, detail) VALUES (?, ?, ?, ?)", rows
                )

    def last_run(self, source: str) -> dict[str, object] | None:
        return self._run_row("SELECT * FROM runs WHERE source=? ORDER BY run_id DESC LIMIT 1", source)

    def run(self, run_id: int) -> dict[str, object] | None:
        """The run log's row of `run_id` (column -> value), or None."""
        return self._run_row("SELECT * FROM runs WHERE run_id=?", run_id)

    def runs(self, source: str) -> list[dict[str, object]]:
        """The run log of `source`, oldest first (column -> value per run)."""
        cursor = self._db.execute("SELECT * FROM runs WHERE source=? ORDER BY started_at, run_id", (source,))
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def _run_row(self, sql: str, key: object) -> dict[str, object] | None:
        cursor = self._db.execute(sql, (key,))
        row = cursor.fetchone()
        return None if row is None else dict(zip([d[0] for d in cursor.description], row, strict=True))

    def unfinished_runs(self) -> list[tuple[str, str, str]]:
        """(source, mode, started_at) of every run not finished: running now, or interrupted (killed)."""
        return self._db.execute(
            "SELECT source, mode, started_at FROM runs WHERE finished_at IS NULL ORDER BY run_id"
        ).fetchall()

    def findings(self, run_id: int) -> list[tuple[str, str]]:
        return self._db.execute("SELECT kind, detail FROM findings WHERE run_id=?", (run_id,)).fetchall()

    # --- bookmarks ---------------------------------------------------------------------------------------

    def bookmark(self, key: str) -> str | None:
        row = self._db.execute("SELECT bookmark FROM bookmarks WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def set_bookmark(self, key: str, source: str, bookmark: str, run_id: int) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO bookmarks (key, source, bookmark, run_id, updated_at) VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT(key) DO UPDATE SET bookmark=excluded.bookmark, run_id=excluded.run_id,"
                " updated_at=excluded.updated_at",
                (key, source, bookmark, run_id, utc_now()),
            )

    # --- records -----------------------------------------------------------------------------------------

    def upsert(self, records: list[RawRecord], run_id: int) -> UpsertCounts:
        """Store one page of records in one transaction; unchanged content only refreshes `last_seen`."""
        counts = UpsertCounts()
        if not records:
            return counts
        now = utc_now()
        source = records[0].source
        with self.transaction() as db:
            existing: dict[str, tuple[str, int]] = {}
            ids = [r.identifier for r in records]
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                marks = ",".join("?" * len(chunk))
                for identifier, sha, deleted in db.execute(
                    f"SELECT identifier, sha256, deleted FROM records WHERE source=? AND identifier IN ({marks})",
                    (source, *chunk),
                ):
                    existing[identifier] = (sha, deleted)
            writes = []
            touches = []
            for record in records:
                before = existing.get(record.identifier)
                if before is not None and before == (record.sha256, int(record.deleted)):
                    counts.unchanged += 1
                    touches.append((now, run_id, record.datestamp, source, record.identifier))
                    continue
                if record.deleted:
                    # A tombstone for a record we never had is kept (peers may ask) but is no deletion.
                    counts.deleted += int(before is not None and not before[1])
                elif before is None:
                    counts.new += 1
                else:
                    counts.changed += 1
                writes.append(
                    (
                        source,
                        record.identifier,
                        record.datestamp,
                        record.metadata_prefix,
                        " ".join(record.sets),
                        record.sha256,
                        zlib.compress(record.payload, 1),
                        int(record.deleted),
                        now,
                        now,
                        run_id,
                        run_id,
                    )
                )
            db.executemany(
                "INSERT INTO records (source, identifier, datestamp, metadata_prefix, sets, sha256, payload,"
                " deleted, first_seen, last_seen, last_run, changed_run) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)"
                " ON CONFLICT(source, identifier) DO UPDATE SET datestamp=excluded.datestamp,"
                " metadata_prefix=excluded.metadata_prefix, sets=excluded.sets, sha256=excluded.sha256,"
                " payload=excluded.payload, deleted=excluded.deleted, last_seen=excluded.last_seen,"
                " last_run=excluded.last_run, changed_run=excluded.changed_run",
                writes,
            )
            db.executemany(
                "UPDATE records SET last_seen=?, last_run=?, datestamp=? WHERE source=? AND identifier=?",
                touches,
            )
        return counts

    def mark_seen(self, source: str, identifiers: list[str], run_id: int) -> None:
        """Records the provider still lists but we skipped (e.g. over the size limit): seen by this run, so
        a full pull does not delete them; their stored payload is kept."""
        now = utc_now()
        with self.transaction() as db:
            db.executemany(
                "UPDATE records SET last_seen=?, last_run=? WHERE source=? AND identifier=?",
                [(now, run_id, source, identifier) for identifier in identifiers],
            )

    def live_count(self, source: str) -> int:
        row = self._db.execute(
            "SELECT count(*) FROM records WHERE source=? AND deleted=0", (source,)
        ).fetchone()
        return int(row[0])

    def missing_since(self, source: str, run_id: int) -> int:
        """Live records of `source` not seen by run `run_id` (candidates for deletion after a full pull)."""
        row = self._db.execute(
            "SELECT count(*) FROM records WHERE source=? AND deleted=0 AND last_run<?", (source, run_id)
        ).fetchone()
        return int(row[0])

    def delete_missing(self, source: str, run_id: int) -> int:
        """Tombstone every live record the complete full pull `run_id` did not return."""
        empty = zlib.compress(b"", 1)
        with self.transaction() as db:
            cursor = db.execute(
                "UPDATE records SET deleted=1, payload=?, sha256=?, last_run=?, changed_run=?, last_seen=last_seen"
                " WHERE source=? AND deleted=0 AND last_run<?",
                (empty, RawRecord("", "", "", "", b"").sha256, run_id, run_id, source, run_id),
            )
            return cursor.rowcount

    def records(
        self, source: str | None = None, *, changed_run: int | None = None, include_deleted: bool = True
    ) -> Iterator[RawRecord]:
        """Stream records (payload decompressed), e.g. to re-map without re-fetching."""
        sql = "SELECT source, identifier, datestamp, metadata_prefix, payload, deleted, sets, sha256 FROM records"
        clauses: list[str] = []
        args: list[object] = []
        if source is not None:
            clauses.append("source=?")
            args.append(source)
        if changed_run is not None:
            clauses.append("changed_run=?")
            args.append(changed_run)
        if not include_deleted:
            clauses.append("deleted=0")
        if clauses:
            sql += " WHERE " + " AND ".join(clauses)
        sql += " ORDER BY source, identifier"
        for row in self._db.execute(sql, args):
            yield _record(row)

    # --- downstream processing ------------------------------------------------------------------------

    def pending(
        self,
        source: str,
        version: str,
        *,
        batch_size: int = 1000,
        identifiers: list[str] | None = None,
    ) -> Iterator[list[RawRecord]]:
        """Batches of records whose current payload was not processed under this version (the mapping version
        and what else the outcome depends on, e.g. `flows.engine.version.processing_version`), plus failed ones.

        Keyset-paginated: each batch is a fresh query, so the caller may mark records processed between
        batches, and memory stays flat whatever the size of the source.
        """
        sql = (
            "SELECT r.source, r.identifier, r.datestamp, r.metadata_prefix, r.payload, r.deleted, r.sets, r.sha256"
            " FROM records r LEFT JOIN processed p ON p.source = r.source AND p.identifier = r.identifier"
            " WHERE r.source = ? AND r.identifier > ?"
            # A quarantined record comes back when its payload or the version changes (a mapping, shape or
            # PaNET fix may release it); with the same inputs its verdict would be the same.
            " AND (p.sha256 IS NULL OR p.sha256 != r.sha256 OR p.mapping_version != ? OR p.status = 'failed')"
            # A tombstone needs graph work only if the record was processed (loaded) before.
            " AND (r.deleted = 0 OR (p.status IS NOT NULL AND p.status != 'deleted'))"
        )
        extra: list[object] = []
        if identifiers is not None:
            sql += f" AND r.identifier IN ({','.join('?' * len(identifiers))})"
            extra = list(identifiers)
        sql += " ORDER BY r.identifier LIMIT ?"
        last = ""
        while True:
            rows = self._db.execute(sql, [source, last, version, *extra, batch_size]).fetchall()
            if not rows:
                return
            yield [_record(row) for row in rows]
            last = rows[-1][1]

    def mark_processed(self, rows: Iterable[tuple[str, str, str, str, str, str | None]]) -> None:
        """rows: (source, identifier, sha256, version, status, graph_iri); one transaction."""
        now = utc_now()
        with self.transaction() as db:
            db.executemany(
                "INSERT INTO processed (source, identifier, sha256, mapping_version, status, graph_iri, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(source, identifier) DO UPDATE SET"
                " sha256=excluded.sha256, mapping_version=excluded.mapping_version, status=excluded.status,"
                " graph_iri=excluded.graph_iri, updated_at=excluded.updated_at",
                [(*row, now) for row in rows],
            )

    def processed_counts(self, source: str) -> dict[str, int]:
        rows = self._db.execute(
            "SELECT status, count(*) FROM processed WHERE source=? GROUP BY status", (source,)
        ).fetchall()
        return {status: int(n) for status, n in rows}

    def stored(self, source: str, identifier: str) -> StoredRecord | None:
        row = self._db.execute(
            "SELECT source, identifier, datestamp, metadata_prefix, sha256, deleted, first_seen, last_seen,"
            " last_run, changed_run FROM records WHERE source=? AND identifier=?",
            (source, identifier),
        ).fetchone()
        if row is None:
            return None
        source_, identifier_, datestamp, prefix, sha256, deleted, first_seen, last_seen, last_run, changed = (
            row
        )
        return StoredRecord(
            source_,
            identifier_,
            datestamp,
            prefix,
            sha256,
            bool(deleted),
            first_seen,
            last_seen,
            last_run,
            changed,
        )

    def counts_by_source(self) -> dict[str, tuple[int, int]]:
        """source -> (live records, tombstones)."""
        rows = self._db.execute(
            "SELECT source, sum(deleted=0), sum(deleted=1) FROM records GROUP BY source"
        ).fetchall()
        return {source: (int(live), int(dead)) for source, live, dead in rows}
