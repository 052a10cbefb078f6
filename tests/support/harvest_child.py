"""Runs one harvest in a child process so that a test can kill -9 it: `python -m tests.support.harvest_child
URL RAW_STORE`."""

from __future__ import annotations

import sys

from harvesters.harvest import harvest_source
from harvesters.http import HttpPolicy
from harvesters.raw_store import RawStore
from harvesters.sources import Source

if __name__ == "__main__":
    url, path = sys.argv[1], sys.argv[2]
    source = Source(
        id="test", name="Test facility", protocol="oai-pmh", url=url, metadata_prefix="oai_datacite"
    )
    with RawStore(path) as store:
        summary = harvest_source(source, store, policy=HttpPolicy(requests_per_second=0, retries=1))
    print(summary.status, summary.fetched)
    sys.exit(0 if summary.status == "ok" else 1)
