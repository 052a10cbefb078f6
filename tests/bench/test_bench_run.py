"""`python -m bench.run` runs end to end on a small corpus and prints every figure (its timings are not
checked here: that is what `make bench` and bench/RESULTS.md are for)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.support.shared_data import REPO


@pytest.mark.slow
def test_bench_runs_and_prints_its_figures() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.run",
            "--records",
            "200",
            "--batch-size",
            "100",
            "--sample",
            "5",
            "--repeat",
            "2",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=280,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    for expected in (
        "== cold full harvest: 200 records, 200 new",
        "== warm nightly full pull: 200 records, 0 new, 2 changed",
        "records/s per stage: fetch",
        "end to end: 200 records",
        "peak RSS (pipeline processes)",
        "statistics graph refresh (refresh_statistics)",
        "datasets-by-technique.rq",
        "datasets-per-technique.rq",
        "OFFSET 200 (past the end)",
        "all queries: p50",
        "straightforward: 5 records",
        "x oxigraph load",
    ):
        assert expected in out, out
