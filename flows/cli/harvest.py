"""Harvest-side sub-commands: `pankg harvest`, `pankg remap`, `pankg sources`, `pankg status`."""

from __future__ import annotations

import argparse
import sys

from flows.cli.common import Subparsers, add_selection, command, refuse, text_table
from flows.settings import Settings
from harvesters.raw_store import RawStore
from harvesters.sources import SourcesError, load_sources, select_sources


def add_commands(subparsers: Subparsers) -> None:
    harvest = command(subparsers, "harvest", help="harvest sources into the raw store (a Prefect flow)")
    harvest.add_argument(
        "source_ids", nargs="*", metavar="SOURCE", help="source ids (default: every enabled source)"
    )
    add_selection(harvest)
    harvest.add_argument(
        "--allow-mass-deletion",
        action="store_true",
        help="apply deletions the guard held back (after checking the provider)",
    )
    harvest.set_defaults(func=run_harvest)

    remap = command(
        subparsers,
        "remap",
        help="re-map, re-validate and re-load from the raw store, without fetching (after a fix)",
    )
    remap.add_argument(
        "source_ids", nargs="*", metavar="SOURCE", help="source ids (default: every enabled source)"
    )
    remap.set_defaults(
        func=run_harvest,
        remap_only=True,
        full=False,
        since=None,
        until=None,
        records=None,
        allow_mass_deletion=False,
    )

    sources = command(subparsers, "sources", help="list the sources registry with each source's last run")
    sources.set_defaults(func=run_sources)

    status = command(subparsers, "status", help="per source: last run, counts, records held")
    status.set_defaults(func=run_status)


def run_harvest(args: argparse.Namespace, settings: Settings) -> int:
    if args.records and len(args.source_ids) != 1:
        return refuse("", "--record needs exactly one SOURCE")
    try:
        select_sources(load_sources(settings.sources_file), args.source_ids)
    except SourcesError as exc:
        return refuse("", exc)
    from flows.harvest import harvest  # Prefect is imported only when a flow runs

    rows = harvest(
        sources=args.source_ids or None,
        mode="full" if args.full else "incremental",
        since=args.since,
        until=args.until,
        allow_mass_deletion=args.allow_mass_deletion,
        records=args.records,
        remap_only=getattr(args, "remap_only", False),
        **settings.as_parameters(),
    )
    failed = [row for row in rows if row["status"] != "ok"]
    for row in failed:
        print(f"pankg: {row['source']}: {row['status']}: {row['message']}", file=sys.stderr)
    return 1 if failed else 0


def run_sources(args: argparse.Namespace, settings: Settings) -> int:
    try:
        registry = load_sources(settings.sources_file)
    except SourcesError as exc:
        return refuse("", exc)
    path = settings.raw_store_path
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
    print(text_table(["source", "name", "enabled", "protocol", "prefix", "url", "last run", "status"], rows))
    return 0


def run_status(args: argparse.Namespace, settings: Settings) -> int:
    """Per source: records held, in the graph, in quarantine, the last run and its counts, the bookmark;
    then the scheduler (next nightly run, runs in progress), which works without a Prefect server too."""
    from flows.schedule import schedule_status_lines
    from shapes.quarantine import QuarantineStore

    try:
        registry = load_sources(settings.sources_file)
    except SourcesError as exc:
        return refuse("", exc)
    directory = settings.data_dir
    path = settings.raw_store_path
    if not path.exists():
        print(f"no harvest yet: {path} does not exist")
    else:
        quarantine_path = settings.quarantine_path
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
        print(text_table(header, rows))
    print("\n" + "\n".join(schedule_status_lines(directory)))
    return 0
