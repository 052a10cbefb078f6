"""The two stages of a source run, each a callable given the logger to report to (a Prefect task passes
its run logger): the harvest (`harvest_stage`) and processing (`process_stage`); and how they run side by
side (`Stages`): threads here (`in_threads`: the CLI's in-process runs and the bench), Prefect tasks in
`flows/harvest.py`."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Protocol

from flows.engine.process import process_source, processing_version
from flows.engine.progress import Progress
from flows.engine.signal import HarvestSignal
from flows.engine.summary import ProcessSummary
from flows.reference import panet_index
from flows.settings import quarantine_path, raw_store_path
from graph.iris import NodeIris
from graph.store import open_store
from harvesters.harvest import SourceSummary, harvest_records, harvest_source
from harvesters.http import HttpPolicy
from harvesters.raw_store import RawStore
from harvesters.sources import Source
from shapes.outcomes import OutcomeStore
from shapes.quarantine import QuarantineStore
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
        with RawStore(raw_store_path(data_dir)) as store:
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
        RawStore(raw_store_path(data_dir)) as raw,
        open_store(data_dir, NodeIris(base_iri)) as graph,
        QuarantineStore(quarantine_path(data_dir)) as quarantine,
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
