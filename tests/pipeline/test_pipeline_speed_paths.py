"""The fast paths of the pipeline give the same graph as the plain one: map+validate in worker processes,
and the bulk loader for a source's first build (no timings here: those are `make bench`)."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import pytest

from flows.engine import ProcessSummary, is_cold, process_source
from graph.store import EmbeddedStore
from harvesters.raw_store import RawStore
from harvesters.records import RawRecord
from mappings import PanetIndex
from shapes.quarantine import QuarantineStore
from shapes.validate import validate_batch
from tests.support.corpus import served_records
from tests.support.shared_data import shared

pytestmark = pytest.mark.prefect_server

COUNTS = ("mapped", "valid", "warned", "quarantined", "loaded", "deleted", "failed", "quads_loaded")


def run(tmp: Path, name: str, **options: object) -> tuple[ProcessSummary, dict[str, int], list[str]]:
    panet_path = shared("panet", "PaNET-1.3.0.owl")
    with RawStore(tmp / name / "raw.sqlite") as raw:
        run_id = raw.start_run("local", "full", None, None)
        raw.upsert(
            [
                RawRecord(
                    "local",
                    r.identifier,
                    r.datestamp.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "oai_datacite",
                    r.resource,
                )
                for r in served_records()
            ],
            run_id,
        )
        with (
            EmbeddedStore(tmp / name / "graph") as graph,
            QuarantineStore(tmp / name / "quarantine.sqlite") as quarantine,
        ):
            summary = process_source(
                "local",
                raw,
                graph,
                quarantine,
                partial(validate_batch, ontology=panet_path),
                panet=PanetIndex.load(panet_path),
                batch_size=7,
                **options,  # type: ignore[arg-type]
            )
            sizes = {g: len(graph.graph_triples(g)) for g in graph.graph_iris()}
            held = sorted(e.identifier for e in quarantine.list("local"))
            assert not is_cold("local", raw, graph, "https://w3id.org/pan-kg/")
    return summary, sizes, held


@pytest.mark.slow
def test_workers_and_bulk_loader_give_the_same_graph(tmp_path: Path) -> None:
    plain, plain_sizes, plain_held = run(tmp_path, "plain", workers=1, bulk=False)
    fast, fast_sizes, fast_held = run(tmp_path, "fast", workers=2)
    assert fast.bulk and not plain.bulk
    assert {k: getattr(fast, k) for k in COUNTS} == {k: getattr(plain, k) for k in COUNTS}
    assert plain.loaded > 0 and plain.quarantined > 0
    # Same record graphs with the same number of triples (blank nodes are fresh on each mapping).
    assert fast_sizes == plain_sizes
    assert fast_held == plain_held
