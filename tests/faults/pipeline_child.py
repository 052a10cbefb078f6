"""One whole pipeline run in a child process, so that a test can kill -9 it anywhere:
`python -m tests.faults.pipeline_child URL DATA_DIR` harvests, then maps, validates and loads in batches of 5
(the stages `flows/harvest.py` runs, without Prefect)."""

from __future__ import annotations

import sys
from functools import partial
from pathlib import Path

from flows.engine import process_source
from graph.iris import DEFAULT_IRIS
from graph.store import open_store
from harvesters.harvest import harvest_source
from harvesters.http import HttpPolicy
from harvesters.raw_store import RawStore
from harvesters.sources import Source
from shapes.quarantine import QuarantineStore
from shapes.validate import validate_batch
from tests.support.shared_data import shared

if __name__ == "__main__":
    url, data = sys.argv[1], Path(sys.argv[2])
    source = Source(id="test", name="Test facility", protocol="oai-pmh", url=url)
    validate = partial(validate_batch, ontology=shared("panet", "PaNET-1.3.0.owl"))
    with RawStore(data / "raw.sqlite") as raw:
        harvested = harvest_source(source, raw, policy=HttpPolicy(requests_per_second=0, retries=1))
        with (
            open_store(data, DEFAULT_IRIS) as graph,
            QuarantineStore(data / "quarantine.sqlite") as quarantine,
        ):
            processed = process_source("test", raw, graph, quarantine, validate, batch_size=5)
    print(harvested.status, harvested.fetched, processed.loaded, processed.quarantined, processed.failed)
    sys.exit(0 if harvested.status == "ok" and not processed.failed else 1)
