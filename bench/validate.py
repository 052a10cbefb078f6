"""Validation throughput: N records (the crosswalk's output for the real samples, copied under new dataset /
graph IRIs and fresh blank nodes) through the gate in batches, one pySHACL call per batch; prints records/s
and peak memory.

    .venv/bin/python -m bench.validate --records 10000 --batch-size 2000 --panet ../shared/data/panet/PaNET-1.3.0.owl
"""

from __future__ import annotations

import argparse
import itertools
import resource
import sys
import time
from collections import Counter
from collections.abc import Iterator

from shapes.validate import DEFAULT_BATCH_SIZE, load_ontology, validate_stream
from tests.shapes.samples import Record, mapped_samples, panet_path, vary


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def records(count: int) -> Iterator[Record]:
    """Made lazily, so memory measures one batch at a time (as a 600,000-record source would run)."""
    for n, rec in zip(range(count), itertools.cycle(mapped_samples()), strict=False):
        yield vary(rec, n)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE)
    parser.add_argument("--panet", default=None, help="PaNET OWL (default: the shared test copy)")
    args = parser.parse_args(argv)

    ontology = load_ontology(args.panet or panet_path())
    mapped_samples()  # crosswalk of the samples: not part of the measurement
    base_rss = peak_rss_mib()
    statuses: Counter[str] = Counter()
    triples = 0
    start = time.perf_counter()
    for i, (batch, reports) in enumerate(
        validate_stream(records(args.records), batch_size=args.batch_size, ontology=ontology)
    ):
        triples += sum(len(r.triples) for r in batch)
        statuses.update(r.status for r in reports.values())
        elapsed = time.perf_counter() - start
        done = sum(statuses.values())
        print(f"batch {i + 1}: {done} records, {done / elapsed:.0f} records/s, peak RSS {peak_rss_mib():.0f} MiB",
              file=sys.stderr, flush=True)  # fmt: skip
    elapsed = time.perf_counter() - start
    n = sum(statuses.values())
    print(f"records            {n}")
    print(f"triples            {triples} ({triples / max(n, 1):.0f} per record)")
    print(f"batch size         {args.batch_size} (one pySHACL call per batch)")
    print(f"statuses           {dict(sorted(statuses.items()))}")
    print(f"seconds            {elapsed:.1f}")
    print(f"records/s          {n / elapsed:.0f}")
    print(f"peak RSS           {peak_rss_mib():.0f} MiB (before validating: {base_rss:.0f} MiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
