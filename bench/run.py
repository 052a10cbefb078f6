"""`make bench [N=10000]`: harvest N records from a local OAI-PMH provider (pyoai's server class in its
own process, pages of 1,000) into a fresh raw store; prints records/s and peak memory."""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import sys
import tempfile
import time
from pathlib import Path

from bench.corpus import bench_records
from harvesters.harvest import harvest_source
from harvesters.http import HttpPolicy
from harvesters.raw_store import RawStore
from harvesters.sources import Source


def serve(count: int, page_size: int, port_queue: multiprocessing.Queue) -> None:
    from tests.support.http_server import LoopbackServer
    from tests.support.oai_server import RecordSet, oai_app

    record_set = RecordSet(list(bench_records(count)))
    with LoopbackServer(oai_app(record_set, page_size=page_size)) as server:
        port_queue.put(server.url)
        while True:
            time.sleep(3600)


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--page-size", type=int, default=1_000)
    args = parser.parse_args(argv)

    queue: multiprocessing.Queue = multiprocessing.Queue()
    provider = multiprocessing.Process(target=serve, args=(args.records, args.page_size, queue), daemon=True)
    provider.start()
    url = queue.get(timeout=600)
    try:
        with tempfile.TemporaryDirectory() as tmp, RawStore(Path(tmp) / "raw.sqlite") as store:
            source = Source(
                id="bench", name="Bench provider", protocol="oai-pmh", url=url, metadata_prefix="oai_datacite"
            )
            policy = HttpPolicy(requests_per_second=0, timeout_seconds=600)
            started = time.perf_counter()
            summary = harvest_source(source, store, full=True, policy=policy)
            seconds = time.perf_counter() - started
            size_mib = sum(p.stat().st_size for p in Path(tmp).iterdir()) / 2**20
    finally:
        provider.terminate()
    if summary.status != "ok":
        print(f"harvest failed: {summary.message}", file=sys.stderr)
        return 1
    print(
        f"harvest (fetch + parse + raw store): {summary.fetched:,} records in {seconds:.1f} s"
        f" = {summary.fetched / seconds:,.0f} records/s; raw store {size_mib:.1f} MiB;"
        f" harvester peak RSS {peak_rss_mib():.0f} MiB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
