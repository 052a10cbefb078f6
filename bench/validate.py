"""Validation throughput: N records (the crosswalk's output for the real samples, copied under new dataset /
graph IRIs and fresh blank nodes) through the gate in batches, one engine call per batch (pySHACL, or
`--shacl-engine shacl`); prints records/s and peak memory.

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

from flows.settings import Settings
from shapes.validate import (
    DEFAULT_BATCH_SIZE,
    ENGINES,
    batches,
    load_ontology,
    validate_batch,
)
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
    parser.add_argument(
        "--shacl-engine", choices=ENGINES, default=Settings.build().shacl_engine, help="the gate's engine"
    )
    args = parser.parse_args(argv)

    ontology = load_ontology(args.panet or panet_path())
    mapped_samples()  # the crosswalk of the samples: input preparation, not measured
    base_rss = peak_rss_mib()
    statuses: Counter[str] = Counter()
    triples = 0
    validating = 0.0
    start = time.perf_counter()
    for i, batch in enumerate(batches(records(args.records), args.batch_size)):
        triples += sum(len(r.triples) for r in batch)
        t0 = time.perf_counter()
        reports = validate_batch(batch, ontology=ontology, engine=args.shacl_engine)  # one call per batch
        validating += time.perf_counter() - t0
        statuses.update(r.status for r in reports.values())
        done = sum(statuses.values())
        print(f"batch {i + 1}: {done} records, {done / validating:.0f} records/s, peak RSS {peak_rss_mib():.0f} MiB",
              file=sys.stderr, flush=True)  # fmt: skip
    wall = time.perf_counter() - start
    n = sum(statuses.values())
    print(f"records            {n}")
    print(f"triples            {triples} ({triples / max(n, 1):.0f} per record)")
    print(f"batch size         {args.batch_size}; SHACL engine {args.shacl_engine}")
    print(f"statuses           {dict(sorted(statuses.items()))}")
    print(f"validation         {validating:.1f} s -> {n / validating:.0f} records/s (one process, one core)")
    print(f"wall incl. input   {wall:.1f} s (varying the records' IRIs included)")
    print(f"peak RSS           {peak_rss_mib():.0f} MiB (before validating: {base_rss:.0f} MiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
