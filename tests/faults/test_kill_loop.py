"""kill -9 a harvest at random points, rerun, and the raw store equals the one a clean run produces.

Generalises the first three fixed cases (kill after 2, 9, 17 records): 20 seeds, each killing the harvest
one to three times, after a random delay or a random number of stored records, so kills land while
fetching, inside page commits, during set-difference deletions and while the bookmark and run log are
written. Half the seeds kill the first harvest of a provider; the other half kill the incremental
harvest that follows a change at the provider (a record revised, one deleted, one added).
"""

from __future__ import annotations

import dataclasses
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from harvesters.harvest import harvest_source
from harvesters.http import HttpPolicy
from harvesters.raw_store import RawStore
from harvesters.sources import Source
from tests.faults.run_state import contents
from tests.support.corpus import served_records
from tests.support.http_server import FastLoopbackServer
from tests.support.oai_server import RecordSet, ServedRecord, oai_app
from tests.support.shared_data import REPO

pytestmark = pytest.mark.faults

SEEDS = range(20)
BOOKMARK = "test||oai_datacite"


def slow(app: Any, delay: float) -> Any:
    """Each answer a little late, so that a random kill can land anywhere in the run."""

    def wrapped(environ: dict[str, Any], start_response: Any) -> Any:
        time.sleep(delay)
        return app(environ, start_response)

    return wrapped


def run_child(url: str, db: Path) -> subprocess.Popen[bytes]:
    """One harvest in its own process (tests.support.harvest_child), so that it can be killed with -9."""
    return subprocess.Popen(
        [sys.executable, "-m", "tests.support.harvest_child", url, str(db)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def committed_by_run_after(db: Path, last_run: int) -> int:
    """Records committed so far (new, changed or only touched) by a run started after `last_run`."""
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as conn:
            return conn.execute("SELECT count(*) FROM records WHERE last_run > ?", (last_run,)).fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def latest_run(db: Path) -> int:
    if not db.exists():
        return 0
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as conn:
        return conn.execute("SELECT coalesce(max(run_id), 0) FROM runs").fetchone()[0]


def change_provider(record_set: RecordSet) -> None:
    """A revision, a deletion and a new record, stamped now: what the next incremental harvest must see."""
    now = datetime.utcnow().replace(microsecond=0)
    revised, removed = record_set.records[3], record_set.records[7]
    record_set.records[3] = dataclasses.replace(
        revised,
        datestamp=now,
        resource=revised.resource.replace(b"</titles>", b"<title>Revised</title></titles>"),
    )
    record_set.records[7] = dataclasses.replace(removed, datestamp=now, deleted=True)
    record_set.records.append(
        ServedRecord("oai:pan-kg.test:new", now, record_set.records[0].resource, ["other"])
    )


def clean_run(url: str, db: Path) -> None:
    source = Source(
        id="test", name="Test facility", protocol="oai-pmh", url=url, metadata_prefix="oai_datacite"
    )
    with RawStore(db) as store:
        summary = harvest_source(source, store, policy=HttpPolicy(requests_per_second=0, retries=1))
    assert summary.status == "ok", summary.message


def kill_at_random(url: str, db: Path, rng: random.Random, records: int, run_seconds: float) -> str:
    """Start a harvest and kill -9 it after a random delay or a random number of stored records."""
    before = latest_run(db)
    child = run_child(url, db)
    if rng.random() < 0.5:
        target = rng.randint(1, records)
        deadline = time.monotonic() + 30
        while (
            committed_by_run_after(db, before) < target
            and child.poll() is None
            and time.monotonic() < deadline
        ):
            time.sleep(0.005)
        point = f"after {target} records"
    else:
        delay = rng.uniform(0.0, run_seconds)
        time.sleep(delay)
        point = f"after {delay:.2f} s"
    if child.poll() is not None:
        return f"{point} (had finished)"
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    return f"{point} (killed at {committed_by_run_after(db, before)} committed)"


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_kill_9_at_random_points_then_rerun_equals_a_clean_run(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    incremental = seed % 2 == 1
    page_size = rng.choice([2, 3])
    record_set = RecordSet(served_records())
    reference = RecordSet(served_records())
    with (
        FastLoopbackServer(slow(oai_app(record_set, page_size=page_size), 0.02)) as server,
        FastLoopbackServer(oai_app(reference, page_size=page_size)) as reference_server,
    ):
        clean, crashed = tmp_path / "clean.sqlite", tmp_path / "crashed.sqlite"
        clean_run(reference_server.url, clean)
        if incremental:
            # Both stores start from the same complete first harvest, then the provider changes.
            assert run_child(server.url, crashed).wait(timeout=60) == 0
            change_provider(reference)
            clean_run(reference_server.url, clean)
            record_set.records[:] = reference.records
        started = time.monotonic()
        points = []
        for _ in range(rng.randint(1, 3)):
            # An incremental run fetches only the three changed records.
            points.append(kill_at_random(server.url, crashed, rng, 3 if incremental else 30, 0.8))
        rerun = run_child(server.url, crashed)
        _, err = rerun.communicate(timeout=60)
        assert rerun.returncode == 0, f"seed {seed}, killed {points}: {err.decode()}"
        assert time.monotonic() - started < 30

    assert contents(crashed) == contents(clean), f"seed {seed}, killed {points}"
    with RawStore(crashed) as store, sqlite3.connect(crashed) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        # Killed runs stay 'running' in the log; the rerun completed and set the bookmark.
        assert store.last_run("test")["status"] == "ok"  # type: ignore[index]
        assert store.bookmark(BOOKMARK) is not None
