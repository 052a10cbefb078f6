"""kill -9 a harvest half-way, rerun, and the raw store equals the one a clean run produces."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from harvesters.raw_store import RawStore
from tests.harvest.corpus import served_records
from tests.support.http_server import LoopbackServer
from tests.support.oai_server import RecordSet, oai_app
from tests.support.shared_data import REPO


def slow(app: Any, delay: float) -> Any:
    def wrapped(environ: dict[str, Any], start_response: Any) -> Any:
        time.sleep(delay)
        return app(environ, start_response)

    return wrapped


def run_child(url: str, db: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.support.harvest_child", url, str(db)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def stored_count(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as conn:
            return conn.execute("SELECT count(*) FROM records").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def contents(db: Path) -> set[tuple[object, ...]]:
    with RawStore(db) as store:
        return {(r.identifier, r.datestamp, r.sha256, r.deleted, r.payload) for r in store.records()}


@pytest.mark.parametrize("kill_after", [2, 9, 17])
def test_kill_9_mid_harvest_then_rerun_equals_clean_run(tmp_path: Path, kill_after: int) -> None:
    record_set = RecordSet(served_records())
    with LoopbackServer(slow(oai_app(record_set, page_size=2), 0.05)) as server:
        clean = tmp_path / "clean.sqlite"
        assert run_child(server.url, clean).wait(timeout=120) == 0

        crashed = tmp_path / "crashed.sqlite"
        child = run_child(server.url, crashed)
        deadline = time.monotonic() + 60
        while stored_count(crashed) < kill_after and time.monotonic() < deadline and child.poll() is None:
            time.sleep(0.01)
        assert child.poll() is None, "the harvest finished before it could be killed"
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        assert 0 < stored_count(crashed) < len(record_set.records)

        rerun = run_child(server.url, crashed)
        _, err = rerun.communicate(timeout=120)
        assert rerun.returncode == 0, err.decode()

    assert contents(crashed) == contents(clean)
    with RawStore(crashed) as store:
        # The killed run is left 'running'; the rerun completed and set the bookmark.
        assert store.last_run("test")["status"] == "ok"  # type: ignore[index]
        assert store.bookmark("test||oai_datacite") is not None
