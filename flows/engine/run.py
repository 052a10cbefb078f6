"""One source end to end, without Prefect: the run opens as a PROV activity, the harvest fetches into the
raw store while processing maps, validates and loads what has landed (side by side, `stages.py`), the
quality report is written from the run's stored outcomes, and the activity closes with the run's counts."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import pandas as pd

from flows.engine.signal import HarvestSignal
from flows.engine.stages import HarvestStage, Stages, harvest_stage, in_threads, process_stage
from flows.engine.summary import ProcessSummary
from flows.settings import raw_store_path
from graph.iris import NodeIris
from graph.provenance import harvest_run
from graph.store import open_store
from harvesters.harvest import SourceSummary
from harvesters.http import HttpPolicy
from harvesters.locks import source_lock
from harvesters.raw_store import RawStore, UpsertCounts
from harvesters.sources import Source
from shapes.outcomes import OutcomeStore
from shapes.report import dqv_triples, report_runs


@dataclass
class SourceRun:
    """What `run_source` did: the summary row (harvest counts and processing counts), each stage's own
    summary, and the quality report (its summary row and page) when one was written."""

    row: dict[str, object]
    harvest: SourceSummary
    process: ProcessSummary
    quality: pd.DataFrame | None = None
    report_page: Path | None = None


def report_quality(
    source_id: str, data_dir: Path, run_id: int, iris: NodeIris
) -> tuple[pd.DataFrame, Path | None]:
    """The run's quality report: CSV + HTML under DATA_DIR/reports, and its DQV measurements in the graph
    (one graph per source and run: peers can follow the quality of a source over time)."""
    pages, measures = report_runs(data_dir, [(source_id, run_id)])
    with open_store(data_dir, iris) as graph:
        graph.replace_graph(iris.quality_graph(source_id, run_id), dqv_triples(measures, iris.base))
    return measures, pages.get((source_id, run_id))


def run_source(
    source: Source,
    *,
    data_dir: Path,
    base_iri: str,
    panet: Path | None,
    shacl_engine: str,
    mode: str = "incremental",
    since: str | None = None,
    until: str | None = None,
    allow_mass_deletion: bool = False,
    records: list[str] | None = None,
    remap_only: bool = False,
    workers: int | None = None,
    batch_size: int = 1000,
    bulk: bool | None = None,
    policy: HttpPolicy | None = None,
    quality_report: bool = True,
    stages: Stages = in_threads,
) -> SourceRun:
    """One source: harvest (unless `remap_only`) and, side by side, map, validate and load what changed;
    then the quality report (unless `quality_report` is off). `records`: just these identifiers.

    `workers` (default: every core) map and validate; small runs stay in this process. `bulk`, `policy`:
    see `process_source` and `harvest_source` (the bench sets them; runs leave the defaults).

    Every run of a source takes the source's lock first (`harvesters.locks`): a manual harvest, a remap and
    the nightly run never overlap on one source; a second one raises SourceBusyError naming the holder."""
    with source_lock(data_dir, source.id, "remap" if remap_only else mode):
        iris = NodeIris(base_iri)
        started = datetime.now(UTC)
        run_iri, opening = harvest_run(
            iris, source=source.id, endpoint=source.url, started=started, ended=None, counts={}
        )
        with open_store(data_dir, iris) as graph:
            # Recorded before anything loads: if the run is killed, peers syncing changes still find its
            # records.
            graph.replace_records([], provenance=opening)
        signal = HarvestSignal()
        process = partial(
            process_stage,
            source.id,
            data_dir,
            base_iri=iris.base,
            panet=panet,
            shacl_engine=shacl_engine,
            records=records,
            run_iri=run_iri,
            # Map and validate on every core (bench/RESULTS.md); small runs stay in this process.
            workers=workers or os.cpu_count() or 1,
            batch_size=batch_size,
            bulk=bulk,
            signal=None if remap_only else signal,
        )
        fetched = SourceSummary(source=source.id, mode="remap")
        if remap_only:
            with RawStore(raw_store_path(data_dir)) as raw:
                # A remap is a run of its own (nothing fetched), so its report has a run to belong to.
                fetched.run_id = raw.start_run(source.id, "remap", None, None)
                raw.finish_run(fetched.run_id, "ok", UpsertCounts(), 0, 0)
            harvest: HarvestStage | None = None
        else:
            # Fetch and process side by side: the harvest commits page by page into the raw store, processing
            # takes what has landed (bench/RESULTS.md: the two stages overlap on two cores).
            harvest = partial(
                harvest_stage,
                source,
                data_dir,
                mode=mode,
                since=since,
                until=until,
                allow_mass_deletion=allow_mass_deletion,
                records=records,
                policy=policy,
                signal=signal,
            )
        harvested, processed = stages(harvest, process, signal)
        fetched = harvested or fetched
        with OutcomeStore(data_dir) as outcomes:
            outcomes.assign_run(run_iri, source.id, fetched.run_id)
        result = SourceRun(summary_row(fetched, processed), fetched, processed)
        if quality_report:
            result.quality, result.report_page = report_quality(source.id, data_dir, fetched.run_id, iris)
        # The run as a PROV activity, with its counts, in the provenance graph.
        counted = ("fetched", "new", "changed", "deleted", "loaded", "quarantined")
        _, activity = harvest_run(
            iris,
            source=source.id,
            endpoint=source.url,
            started=started,
            ended=datetime.now(UTC),
            counts={key: int(result.row[key]) for key in counted},  # type: ignore[call-overload]
        )
        with open_store(data_dir, iris) as graph:
            graph.replace_records([], provenance=activity)
        return result


def summary_row(fetched: SourceSummary, processed: ProcessSummary) -> dict[str, object]:
    """The run's row of the harvest summary: the harvest's counts, then what processing made of them."""
    row = fetched.as_dict()
    row |= {k: getattr(processed, k) for k in ("mapped", "valid", "warned", "quarantined", "loaded")}
    row["removed"] = processed.deleted
    if processed.failed:
        row["status"] = "failed"
        row["message"] = "; ".join([str(row["message"]), *processed.messages]).strip("; ")
    return row
