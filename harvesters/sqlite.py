"""The SQLite set-up every pan-kg store shares (raw store, quarantine, outcomes): one connection per store,
WAL mode, explicit transactions that survive a full disk, and read-only opening for readers.

WAL: readers never block the writer, and a `kill -9` never leaves a half-written transaction.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import ClassVar, Self


def connect(
    path: Path, schema: str = "", *, read_only: bool = False, timeout: float = 60
) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are `transaction`'s), WAL, the schema created.

    `read_only` opens an existing file in `mode=ro` (a report or a status never blocks or alters a run) and
    creates nothing."""
    if read_only:
        return sqlite3.connect(
            f"file:{path.resolve()}?mode=ro",
            uri=True,
            timeout=timeout,
            isolation_level=None,
            check_same_thread=False,
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, timeout=timeout, isolation_level=None, check_same_thread=False)
    _wal_mode(db, timeout)
    # NORMAL in WAL mode: a process kill never loses a committed transaction (a power cut may lose the last).
    db.execute("PRAGMA synchronous=NORMAL")
    if schema:
        db.executescript(schema)
    return db


def _wal_mode(db: sqlite3.Connection, timeout: float) -> None:
    """Switch a new file to WAL. SQLite answers SQLITE_BUSY at once, without the busy handler, while another
    process holds the lock it needs to change the journal mode (several runs opening a new store at the same
    moment: the nightly run and a steward's re-harvest), so this waits its turn by hand."""
    deadline = time.monotonic() + timeout
    pause = 0.01
    while True:
        try:
            db.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
            time.sleep(pause)
            pause = min(pause * 2, 0.5)


@contextmanager
def transaction(db: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction, taken at once (BEGIN IMMEDIATE: writers queue on the lock, never deadlock)."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        # After SQLITE_FULL / IOERR SQLite may have rolled back already; a second ROLLBACK would hide the
        # real error behind "no transaction is active".
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


class SqliteStore:
    """A store on one SQLite file: the connection (`connect`), its transactions (`transaction`), closing.
    Subclasses declare their `SCHEMA` and the queries."""

    SCHEMA: ClassVar[str] = ""

    def __init__(self, path: Path | str, *, read_only: bool = False) -> None:
        self.path = Path(path)
        self._db = connect(self.path, self.SCHEMA, read_only=read_only)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        return transaction(self._db)
