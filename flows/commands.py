"""Harvest-side sub-commands: `pankg harvest`, `pankg sources`, `pankg status`."""

from __future__ import annotations

import argparse
import os
import sys

from flows import settings
from harvesters.raw_store import RawStore
from harvesters.sources import SourcesError, load_sources, select_sources
from shapes.options import add_engine
from shapes.options import text_table as _table


def add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--sources", metavar="FILE", help="sources registry (default: $PANKG_SOURCES or sources.toml)"
    )
    parser.add_argument(
        "--data-dir", metavar="DIR", help="where everything is written (default: $PANKG_DATA_DIR or ./data)"
    )


def add_selection(parser: argparse.ArgumentParser) -> None:
    """What to fetch: shared by `pankg harvest` and a steward's `pankg reharvest`."""
    parser.add_argument("--full", action="store_true", help="pull everything (deletions by set difference)")
    parser.add_argument("--since", metavar="DATE", help="records changed since DATE (OAI datestamp)")
    parser.add_argument("--until", metavar="DATE", help="records changed until DATE (OAI datestamp)")
    parser.add_argument(
        "--record", action="append", metavar="ID", dest="records",
        help="fetch just this record (OAI identifier; repeatable), then map, validate and load it",
    )  # fmt: skip


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    harvest = subparsers.add_parser("harvest", help="harvest sources into the raw store (a Prefect flow)")
    harvest.add_argument(
        "source_ids", nargs="*", metavar="SOURCE", help="source ids (default: every enabled source)"
    )
    add_common(harvest)
    add_selection(harvest)
    add_engine(harvest)
    harvest.add_argument(
        "--allow-mass-deletion",
        action="store_true",
        help="apply deletions the guard held back (after checking the provider)",
    )
    harvest.set_defaults(func=run_harvest)

    remap = subparsers.add_parser(
        "remap", help="re-map, re-validate and re-load from the raw store, without fetching (after a fix)"
    )
    remap.add_argument(
        "source_ids", nargs="*", metavar="SOURCE", help="source ids (default: every enabled source)"
    )
    add_common(remap)
    add_engine(remap)
    remap.set_defaults(
        func=run_harvest,
        remap_only=True,
        full=False,
        since=None,
        until=None,
        records=None,
        allow_mass_deletion=False,
    )

    sources = subparsers.add_parser("sources", help="list the sources registry with each source's last run")
    add_common(sources)
    sources.set_defaults(func=run_sources)

    status = subparsers.add_parser("status", help="per source: last run, counts, records held")
    add_common(status)
    status.set_defaults(func=run_status)


def run_harvest(args: argparse.Namespace) -> int:
    if args.records and len(args.source_ids) != 1:
        print("pankg: --record needs exactly one SOURCE", file=sys.stderr)
        return 2
    try:
        select_sources(load_sources(settings.sources_file(args.sources)), args.source_ids)
    except SourcesError as exc:
        print(f"pankg: {exc}", file=sys.stderr)
        return 2
    if args.shacl_engine:
        from shapes.validate import ENGINE_ENV

        os.environ[ENGINE_ENV] = args.shacl_engine  # read by the flow (and inherited by its workers)
    from flows.harvest import harvest  # Prefect is imported only when a flow runs

    rows = harvest(
        sources=args.source_ids or None,
        mode="full" if args.full else "incremental",
        since=args.since,
        until=args.until,
        sources_file=str(settings.sources_file(args.sources)),
        data_dir=str(settings.data_dir(args.data_dir)),
        allow_mass_deletion=args.allow_mass_deletion,
        records=args.records,
        remap_only=getattr(args, "remap_only", False),
    )
    failed = [row for row in rows if row["status"] != "ok"]
    for row in failed:
        print(f"pankg: {row['source']}: {row['status']}: {row['message']}", file=sys.stderr)
    return 1 if failed else 0


def run_sources(args: argparse.Namespace) -> int:
    try:
        registry = load_sources(settings.sources_file(args.sources))
    except SourcesError as exc:
        print(f"pankg: {exc}", file=sys.stderr)
        return 2
    path = settings.raw_store_path(settings.data_dir(args.data_dir))
    store = RawStore(path) if path.exists() else None
    rows = []
    for source in registry.values():
        last = store.last_run(source.id) if store else None
        rows.append(
            [
                source.id,
                source.name,
                "yes" if source.enabled else "no",
                source.protocol,
                source.metadata_prefix,
                source.url,
                last["started_at"] if last else "never",
                last["status"] if last else "",
            ]
        )
    print(_table(["source", "name", "enabled", "protocol", "prefix", "url", "last run", "status"], rows))
    return 0


def run_status(args: argparse.Namespace) -> int:
    """Per source: records held, in the graph, in quarantine, the last run and its counts, the bookmark;
    then the scheduler (next nightly run, runs in progress), which works without a Prefect server too."""
    from flows.schedule import schedule_status_lines
    from shapes.quarantine import QuarantineStore

    try:
        registry = load_sources(settings.sources_file(args.sources))
    except SourcesError as exc:
        print(f"pankg: {exc}", file=sys.stderr)
        return 2
    directory = settings.data_dir(args.data_dir)
    path = settings.raw_store_path(directory)
    if not path.exists():
        print(f"no harvest yet: {path} does not exist")
    else:
        quarantine_path = settings.quarantine_path(directory)
        held: dict[str, int] = {}
        if quarantine_path.exists():
            with QuarantineStore(quarantine_path) as quarantine:
                held = quarantine.counts()
        with RawStore(path) as store:
            counts = store.counts_by_source()
            rows = []
            for source_id in sorted(set(registry) | set(counts)):
                last = store.last_run(source_id) or {}
                live, dead = counts.get(source_id, (0, 0))
                rows.append([
                    source_id, live, dead, store.processed_counts(source_id).get("loaded", 0),
                    held.get(source_id, 0), last.get("status", "never"), last.get("started_at", ""),
                    last.get("fetched", ""), last.get("new", ""), last.get("changed", ""), last.get("deleted", ""),
                    store.bookmark(registry[source_id].bookmark_key) if source_id in registry else "",
                    str(last.get("message", ""))[:80],
                ])  # fmt: skip
        header = ["source", "records", "deleted", "in graph", "quarantined", "last run", "started", "fetched",
                  "new", "changed", "removed", "bookmark", "message"]  # fmt: skip
        print(_table(header, rows))
    print("\n" + "\n".join(schedule_status_lines(directory)))
    return 0
