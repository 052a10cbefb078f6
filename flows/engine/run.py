"""One source end to end, without Prefect: the run opens as a PROV activity, the harvest fetches into the
raw store while processing maps, validates and loads what has landed (side by side), the quality report is
written from the run's stored outcomes, and the activity closes with the run's counts.

How the two stages run side by side is the caller's (`Stages`): threads here (`in_threads`, what the CLI's
in-process runs and the bench use), Prefect tasks in `flows/harvest.py`. Everything else is this module's.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Protocol

import pandas as pd

from flows.engine.process import process_source, processing_version
from flows.engine.signal import HarvestSignal
from flows.engine.summary import ProcessSummary
from flows.progress import Progress
from flows.reference import panet_index
from graph.iris import GRAPH_BASE
from graph.provenance import harvest_run
from graph.store import open_store
from harvesters.harvest import SourceSummary, harvest_records, harvest_source
from harvesters.http import HttpPolicy
from harvesters.raw_store import RawStore, UpsertCounts
from harvesters.sources import Source
from shapes.outcomes import OutcomeStore
from shapes.quarantine import QuarantineStore
from shapes.report import dqv_triples, report_runs
from shapes.validate import validate_batch

log = logging.getLogger(__name__)

Logger = logging.Logger | logging.LoggerAdapter  # type: ignore[type-arg]
# A stage to run, given the logger to report to (a Prefect task passes its run logger).
HarvestStage = Callable[[Logger], SourceSummary]
ProcessStage = Callable[[Logger], ProcessSummary]


class Stages(Protocol):
    def __call__(
        self, harvest: HarvestStage | None, process: ProcessStage, signal: HarvestSignal
    ) -> tuple[SourceSummary | None, ProcessSummary]:
        """Run `harvest` (if any) beside `process`; `signal.end()` once the harvest is over, however."""
        ...


def in_threads(
    harvest: HarvestStage | None, process: ProcessStage, signal: HarvestSignal
) -> tuple[SourceSummary | None, ProcessSummary]:
    """The harvest in a thread of its own (its own raw-store connection), processing in this one."""
    if harvest is None:
        return None, process(log)
    outcome: dict[str, SourceSummary | BaseException] = {}

    def fetch() -> None:
        try:
            outcome["summary"] = harvest(log)
        except BaseException as exc:
            outcome["summary"] = exc
        finally:
            signal.end()

    thread = threading.Thread(target=fetch, name="harvest")
    thread.start()
    try:
        processed = process(log)
    finally:
        thread.join()
    fetched = outcome["summary"]
    if isinstance(fetched, BaseException):
        raise fetched
    return fetched, processed


@dataclass
class SourceRun:
    """What `run_source` did: the summary row (harvest counts and processing counts), each stage's own
    summary, and the quality report (its summary row and page) when one was written."""

    row: dict[str, object]
    harvest: SourceSummary
    process: ProcessSummary
    quality: pd.DataFrame | None = None
    report_page: Path | None = None


def harvest_stage(
    source: Source,
    data_dir: Path,
    logger: Logger,
    *,
    mode: str,
    since: str | None,
    until: str | None,
    allow_mass_deletion: bool,
    records: list[str] | None,
    policy: HttpPolicy | None,
    signal: HarvestSignal,
) -> SourceSummary:
    """Fetch into the raw store, telling `signal` about every committed page and, at the end, that it ended."""
    progress = Progress(logger)
    try:
        with RawStore(data_dir / "raw.sqlite") as store:
            if records:
                summary = harvest_records(source, store, records, policy=policy)
            else:
                summary = harvest_source(
                    source,
                    store,
                    full=(mode == "full"),
                    since=since,
                    until=until,
                    allow_mass_deletion=allow_mass_deletion,
                    policy=policy,
                    progress=progress,
                    on_commit=signal.committed,
                )
    finally:
        signal.end()
    progress.done()
    for finding in summary.findings[:50]:
        logger.warning("%s: %s", source.id, finding)
    if summary.status != "ok":
        logger.error("%s: %s", source.id, summary.message)
    return summary


def process_stage(
    source_id: str,
    data_dir: Path,
    logger: Logger,
    *,
    base_iri: str,
    panet: Path | None,
    shacl_engine: str,
    records: list[str] | None,
    run_iri: str,
    workers: int,
    batch_size: int,
    bulk: bool | None,
    signal: HarvestSignal | None,
) -> ProcessSummary:
    """Map, validate and load what changed; with `signal`, while the harvest is still writing. The outcome
    rows go to the outcome store under the run's IRI."""
    validate = partial(validate_batch, ontology=panet, engine=shacl_engine)
    with (
        RawStore(data_dir / "raw.sqlite") as raw,
        open_store(data_dir) as graph,
        QuarantineStore(data_dir / "quarantine.sqlite") as quarantine,
        OutcomeStore(data_dir) as outcomes,
    ):
        summary = process_source(
            source_id,
            raw,
            graph,
            quarantine,
            validate,
            panet=panet_index(panet),
            base_iri=base_iri,
            run_iri=run_iri,
            batch_size=batch_size,
            identifiers=records,
            workers=workers,
            bulk=bulk,
            version=processing_version(panet),
            harvest=signal,
            outcomes=outcomes.for_run(run_iri),
        )
    for message in summary.messages:
        logger.error("%s: %s", source_id, message)
    logger.info(
        "%s: mapped %d, loaded %d (%d with warnings), quarantined %d, removed %d",
        source_id,
        summary.mapped,
        summary.loaded,
        summary.warned,
        summary.quarantined,
        summary.deleted,
    )
    return summary


def report_quality(
    source_id: str, data_dir: Path, run_id: int, base_iri: str
) -> tuple[pd.DataFrame, Path | None]:
    """The run's quality report: CSV + HTML under DATA_DIR/reports, and its DQV measurements in the graph
    (one graph per source and run: peers can follow the quality of a source over time)."""
    pages, measures = report_runs(data_dir, [(source_id, run_id)])
    with open_store(data_dir) as graph:
        graph.replace_graph(f"{GRAPH_BASE}quality/{source_id}/run-{run_id}", dqv_triples(measures, base_iri))
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
    see `process_source` and `harvest_source` (the bench sets them; runs leave the defaults)."""
    started = datetime.now(UTC)
    run_iri, opening = harvest_run(
        source=source.id, endpoint=source.url, started=started, ended=None, counts={}
    )
    with open_store(data_dir) as graph:
        # Recorded before anything loads: if the run is killed, peers syncing changes still find its records.
        graph.replace_records([], provenance=opening)
    signal = HarvestSignal()
    process = partial(
        process_stage,
        source.id,
        data_dir,
        base_iri=base_iri,
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
        with RawStore(data_dir / "raw.sqlite") as raw:
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
        result.quality, result.report_page = report_quality(source.id, data_dir, fetched.run_id, base_iri)
    # The run as a PROV activity, with its counts, in the provenance graph.
    counted = ("fetched", "new", "changed", "deleted", "loaded", "quarantined")
    _, activity = harvest_run(
        source=source.id,
        endpoint=source.url,
        started=started,
        ended=datetime.now(UTC),
        counts={key: int(result.row[key]) for key in counted},  # type: ignore[call-overload]
    )
    with open_store(data_dir) as graph:
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
