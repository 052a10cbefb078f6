"""Disk full on the data directory: a small tmpfs holds the raw store, a ballast file eats the space left,
and a harvest runs into the wall. It must end with a clear error naming the disk, leave the store
uncorrupted with its earlier commits intact, and complete once space is freed."""

from __future__ import annotations

import os
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from harvesters.harvest import harvest_source
from harvesters.http import HttpPolicy
from harvesters.raw_store import RawStore
from harvesters.records import sha256_hex
from harvesters.sources import Source
from tests.support.corpus import served_records
from tests.support.http_server import FastLoopbackServer
from tests.support.oai_server import RecordSet, oai_app

pytestmark = pytest.mark.faults

POLICY = HttpPolicy(retries=1, backoff_factor=0.02, requests_per_second=0)
DISK_BYTES = 4 * 1024 * 1024


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={DISK_BYTES}", "tmpfs", str(mount_point)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        reason = f"cannot mount a tmpfs (needs root): {result.stderr.strip() or result.returncode}"
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the disk-full test (CI runs as root); {reason}")
        pytest.skip(reason)
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def source(url: str, set_: str | None = None) -> Source:
    return Source(id="test", name="Test facility", protocol="oai-pmh", url=url, set=set_)


def contents(path: Path) -> dict[str, tuple[str, str, bool, bytes]]:
    with RawStore(path) as store:
        return {r.identifier: (r.datestamp, r.sha256, r.deleted, r.payload) for r in store.records()}


def fill(directory: Path, leave: int) -> Path:
    """A ballast file that leaves `leave` bytes free on the file system of `directory`."""
    ballast = directory / "ballast"
    stats = os.statvfs(directory)
    size = stats.f_bavail * stats.f_frsize - leave
    with ballast.open("wb") as handle:
        handle.write(b"\0" * max(size, 0))
    return ballast


def test_disk_full_fails_clearly_corrupts_nothing_and_the_rerun_completes(
    small_disk: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db = small_disk / "raw.sqlite"
    record_set = RecordSet(served_records())
    with FastLoopbackServer(oai_app(record_set, page_size=2)) as server:
        # Clean reference, on the roomy disk.
        with RawStore(tmp_path / "clean.sqlite") as clean_store:
            assert harvest_source(source(server.url), clean_store, policy=POLICY).status == "ok"
        clean = contents(tmp_path / "clean.sqlite")

        # Earlier commits: one set, harvested while there is room.
        with RawStore(db) as store:
            assert harvest_source(source(server.url, "openaire_data"), store, policy=POLICY).status == "ok"
        earlier = contents(db)
        assert len(earlier) == 15

        # The disk fills up; the next harvest (everything) runs out of space part-way.
        ballast = fill(small_disk, leave=256 * 1024)
        with RawStore(db) as store:
            failed = harvest_source(source(server.url), store, policy=POLICY)
        assert failed.status == "failed"
        assert 0 < failed.fetched < len(clean), "the disk should fill up part-way through the harvest"
        assert "database or disk is full" in failed.message, failed.message
        assert str(db) in failed.message and f"on the disk holding {small_disk}" in failed.message
        assert any(r.getMessage().startswith("test: raw store") for r in caplog.records)

        # Not corrupted: SQLite's own check, every committed record whole, the earlier commits intact. (The
        # store still opens on the full disk: reading it never needs to write.)
        with sqlite3.connect(db) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        after = contents(db)
        assert all(row[1] == sha256_hex(row[3]) for row in after.values())
        assert {k: after[k] for k in earlier} == earlier
        assert set(after) <= set(clean)

        # Space freed: the rerun completes and the store equals a clean run's.
        ballast.unlink()
        with RawStore(db) as store:
            rerun = harvest_source(source(server.url), store, policy=POLICY)
            assert rerun.status == "ok", rerun.message
            assert store.bookmark("test||oai_datacite") is not None
    assert contents(db) == clean


def test_a_full_disk_under_the_quarantine_fails_with_the_disk_error_and_keeps_what_was_held(
    small_disk: Path,
) -> None:
    from shapes.quarantine import Entry, QuarantineStore

    def entries(start: int, count: int) -> list[Entry]:
        # Big enough rows that a few hundred kB of free space runs out within one batch.
        return [
            Entry("test", f"oai:{i}", f"g:{i}", "0" * 64, "x" * 20_000, [])
            for i in range(start, start + count)
        ]

    with QuarantineStore(small_disk) as quarantine:
        # A small page cache: the batch spills to the disk mid-statement, where SQLite rolls the transaction
        # back by itself (the case the shared transaction guards against).
        quarantine._db.execute("PRAGMA cache_size=8")
        quarantine.put_many(entries(0, 5))
        ballast = fill(small_disk, leave=128 * 1024)
        # The disk's own error, not "no transaction is active" from a second ROLLBACK hiding it.
        with pytest.raises(sqlite3.OperationalError, match="database or disk is full"):
            quarantine.put_many(entries(5, 50))
        assert quarantine.identifiers("test") == [f"oai:{i}" for i in range(5)]
        ballast.unlink()
        assert quarantine.put_many(entries(5, 50)) == 50
    with sqlite3.connect(small_disk / "quarantine.sqlite") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
