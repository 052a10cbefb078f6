"""Validation-side sub-commands: `pankg validate`, `pankg quarantine`, `pankg report`."""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from pathlib import Path

from flows.cli.common import Subparsers, command, refuse, text_table
from flows.reference import resolve_panet
from flows.settings import Settings
from shapes.validate import RecordReport


def add_commands(subparsers: Subparsers) -> None:
    validate = command(
        subparsers,
        "validate",
        help="validate RDF files (Turtle, N-Quads, JSON-LD, ...) against the project's shapes",
    )
    validate.add_argument(
        "files", nargs="+", metavar="FILE", help="RDF files; N-Quads / TriG: one record per graph"
    )
    validate.add_argument(
        "--shapes", metavar="PATH", action="append", help="shape file or directory (repeatable)"
    )
    validate.add_argument("--json", action="store_true", help="print the reports as JSON")
    validate.add_argument("--all", action="store_true", help="also list sh:Info notes")
    validate.set_defaults(func=run_validate)

    quarantine = command(subparsers, "quarantine", help="list quarantined records with their reasons")
    quarantine.add_argument("source", nargs="?", metavar="SOURCE", help="only this source")
    quarantine.add_argument("--json", action="store_true", help="JSON instead of a table")
    quarantine.set_defaults(func=run_quarantine)

    report = command(
        subparsers, "report", help="quality report per source and run (CSV + HTML under DATA_DIR/reports)"
    )
    report.add_argument(
        "sources", nargs="*", metavar="SOURCE", help="sources (default: all in the raw store)"
    )
    report.add_argument("--run", type=int, metavar="ID", help="this run (default: each source's last run)")
    report.set_defaults(func=run_report)


# --- validate -------------------------------------------------------------------------------------------


def run_validate(args: argparse.Namespace, settings: Settings) -> int:
    from shapes.files import FileError, FileRecord, read_records
    from shapes.validate import QUARANTINED, load_ontology, validate_batch

    records: list[tuple[str, FileRecord]] = []
    for name in args.files:
        try:
            records.extend((name, rec) for rec in read_records(name))
        except (FileError, OSError) as exc:
            print(f"pankg validate: {exc}", file=sys.stderr)
            return 2
    path = resolve_panet(settings.panet, settings.data_dir)
    if path is None:  # a missing file or an unreachable URL: say how to fix it
        return refuse("validate", f"cannot load PaNET from {settings.panet}; pass --panet PATH")
    try:
        ontology = load_ontology(path)
    except Exception as exc:  # not an ontology pan-kg can read
        return refuse("validate", f"cannot load PaNET ({exc}); pass --panet PATH")
    reports = validate_batch(
        [rec for _, rec in records], shapes=args.shapes, ontology=ontology, engine=settings.shacl_engine
    )
    if args.json:
        out = [
            {
                "file": name,
                "graph": rec.graph_iri,
                "dataset": rec.dataset_iri,
                "status": reports[rec.graph_iri].status,
                "results": [r.as_dict() for r in reports[rec.graph_iri].results],
            }
            for name, rec in records
        ]
        print(json.dumps(out, indent=2, ensure_ascii=False))
    else:
        for name, rec in records:
            print(_readable(name, rec.graph_iri, rec.dataset_iri, reports[rec.graph_iri], args.all))
        counts = {
            s: sum(1 for r in reports.values() if r.status == s) for s in ("valid", "warned", "quarantined")
        }
        print(f"{len(reports)} record(s): {counts['valid']} valid, {counts['warned']} with warnings, "
              f"{counts['quarantined']} with violations")  # fmt: skip
    return 1 if any(r.status == QUARANTINED for r in reports.values()) else 0


def _readable(name: str, graph: str, dataset: str, report: RecordReport, show_info: bool) -> str:
    label = {
        "valid": "VALID",
        "warned": "VALID WITH WARNINGS",
        "quarantined": "INVALID (would be quarantined)",
    }
    head = name if graph.startswith("file:") else f"{name} <{graph}>"
    lines = [f"{head}: {label[report.status]}"]
    if dataset:
        lines.append(f"  dataset {dataset}")
    for r in report.results:
        if r.severity == "Info" and not show_info:
            continue
        where = f"{r.path} " if r.path else ""
        value = f" (value: {r.value})" if r.value and not r.value.startswith("_:") else ""
        lines.append(f"  {r.severity.upper():9} {where}[{r.shape}]{value}")
        pad = " " * 12
        lines += textwrap.wrap(
            r.message, 100, initial_indent=pad, subsequent_indent=pad, break_on_hyphens=False
        )
    return "\n".join(lines)


# --- quarantine -----------------------------------------------------------------------------------------


def run_quarantine(args: argparse.Namespace, settings: Settings) -> int:
    from shapes.quarantine import QuarantineStore

    path = settings.quarantine_path
    if not path.exists():
        rows = []
    else:
        with QuarantineStore(path) as store:
            rows = store.list(args.source)
    if args.json:
        print(json.dumps([r.as_dict() for r in rows], indent=2, ensure_ascii=False))
        return 0
    if not rows:
        print("no quarantined records" + (f" for {args.source}" if args.source else ""))
        return 0
    table = [[r.source, r.identifier, r.attempts, r.last_seen, " / ".join(r.reasons)] for r in rows]
    print(text_table(["source", "identifier", "attempts", "last_seen", "reasons"], table))
    by_source: dict[str, int] = {}
    for r in rows:
        by_source[r.source] = by_source.get(r.source, 0) + 1
    print("\n" + ", ".join(f"{s}: {n}" for s, n in sorted(by_source.items())) + f" ({len(rows)} quarantined)")
    return 0


# --- report ---------------------------------------------------------------------------------------------


def run_report(args: argparse.Namespace, settings: Settings) -> int:
    from shapes.report import build_report

    data_dir = settings.data_dir
    if not settings.raw_store_path.exists():
        return refuse("report", f"no raw store in {data_dir} (harvest first)")
    try:
        # The report reads the outcomes each run stored: nothing is mapped or validated again.
        pages = build_report(data_dir, sources=args.sources or None, run_id=args.run)
    except (LookupError, OSError) as exc:
        return refuse("report", exc)
    for (source, run_id), page in sorted(pages.items()):
        print(f"{source} run {run_id}: {page}")
    print(f"history: {Path(data_dir) / 'reports' / 'quality.csv'}")
    return 0
