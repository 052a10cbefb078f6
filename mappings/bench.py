"""Mapping speed on real files: ``python -m mappings.bench [--panet PATH] [--repeat N] FILE ...``.

Reads the files once (bare records or OAI-PMH pages), then maps every record ``--repeat`` times and prints
records/s by wall clock and by process CPU time (the CPU figure is stable on a busy machine).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from mappings import MappingError, crosswalk
from mappings.panet import PanetIndex
from mappings.record_files import records_from_file


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m mappings.bench")
    ap.add_argument("files", nargs="+")
    ap.add_argument("--panet", help="PaNET ontology path (default: no technique assignment)")
    ap.add_argument("--repeat", type=int, default=20)
    args = ap.parse_args(argv)
    panet = PanetIndex.load(args.panet) if args.panet else None
    records = []
    for name in args.files:
        try:
            records += [r for r in records_from_file(Path(name), "auto", "bench")[0] if not r.deleted]
        except ValueError:
            continue  # not a record file (e.g. an Identify page or a broken body)
    n = triples = errors = 0
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(args.repeat):
        for rec in records:
            try:
                triples += len(crosswalk(rec, panet=panet).triples)
            except MappingError:
                errors += 1
            n += 1
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(
        f"{len(records)} records x {args.repeat} = {n} mappings, {triples} triples, {errors} errors; "
        f"{n / wall:.0f} records/s wall, {n / cpu:.0f} records/s CPU ({triples / cpu:.0f} triples/s CPU)"
    )


if __name__ == "__main__":
    main()
