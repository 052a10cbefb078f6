"""kill -9 the whole pipeline (harvest, map, validate, load) at random points, rerun, and the graph is
isomorphic to a clean run's, record graph by record graph; the raw store, the processed marks and the
quarantine hold the same records. Twenty seeds (each costs ~3 s); kills land mostly while mapping,
validating and loading batches of five, between a load and its processed mark, and during the harvest."""

from __future__ import annotations

import os
import random
import signal
import time
from pathlib import Path

import pytest
from rdflib.compare import isomorphic

from shapes.quarantine import QuarantineStore
from tests.faults.run_state import contents, marks, processed_count, record_graphs, run_child
from tests.support.corpus import served_records
from tests.support.http_server import FastLoopbackServer
from tests.support.oai_server import RecordSet, oai_app

pytestmark = pytest.mark.faults


def quarantined(data: Path) -> list[str]:
    with QuarantineStore(data / "quarantine.sqlite") as store:
        return sorted(store.identifiers("test"))


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(20))
def test_kill_9_the_pipeline_then_rerun_gives_the_clean_graph(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    with FastLoopbackServer(oai_app(RecordSet(served_records()), page_size=3)) as server:
        clean, crashed = tmp_path / "clean", tmp_path / "crashed"
        done = run_child(server.url, clean)
        assert done.wait(timeout=60) == 0, done.communicate()[1].decode()
        points = []
        for _ in range(rng.randint(1, 2)):
            child = run_child(server.url, crashed)
            if rng.random() < 0.6:
                target = rng.randint(1, 29)  # processed marks: the pipeline is between batches
                deadline = time.monotonic() + 30
                while (
                    processed_count(crashed) < target and child.poll() is None and time.monotonic() < deadline
                ):
                    time.sleep(0.005)
                point = f"at {target} processed"
            else:
                delay = rng.uniform(0.5, 3.5)
                time.sleep(delay)
                point = f"after {delay:.2f} s"
            if child.poll() is None:
                os.kill(child.pid, signal.SIGKILL)
                child.wait()
                points.append(f"{point} (killed, {processed_count(crashed)} processed)")
            else:
                points.append(f"{point} (had finished)")
        rerun = run_child(server.url, crashed)
        _, err = rerun.communicate(timeout=60)
        assert rerun.returncode == 0, f"seed {seed}, {points}: {err.decode()}"

    assert contents(crashed / "raw.sqlite") == contents(clean / "raw.sqlite"), points
    assert marks(crashed) == marks(clean), points
    assert quarantined(crashed) == quarantined(clean), points
    expected, got = record_graphs(clean), record_graphs(crashed)
    assert sorted(got) == sorted(expected), points
    assert len(expected) > 20
    for iri, graph in expected.items():
        assert isomorphic(graph, got[iri]), f"seed {seed}, {points}: {iri} differs"
