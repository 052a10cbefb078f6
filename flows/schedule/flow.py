"""The `pan-kg` wrapper flow: the `harvest` flow per source as its own task, each holding Prefect global
concurrency slots (one per source, a node-wide cap, and the embedded store's turn), with retries and a time
limit per source."""

from __future__ import annotations

from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.states import Completed, Failed
from prefect.task_runners import ThreadPoolTaskRunner

from flows.schedule.names import ALL_SOURCES_LIMIT, EMBEDDED_STORE_LIMIT, FLOW_NAME, source_limit
from flows.schedule.settings import ScheduleSettings
from flows.settings import Settings
from harvesters.harvest import SourceSummary
from harvesters.sources import load_sources, select_sources


class SourceRunFailed(RuntimeError):
    """A source ended `failed`: raised inside its task so that Prefect's task retries apply."""

    def __init__(self, message: str, row: dict[str, object]) -> None:
        super().__init__(message)
        self.row = row


def harvest_holding_slots(
    source_id: str, params: dict[str, Any], timeout_seconds: float
) -> dict[str, object]:
    """The `harvest` flow for one source, once it holds its concurrency slots (within the time limit)."""
    from prefect.concurrency.sync import concurrency

    from flows.harvest import harvest
    from graph.store import read_serve_info

    names = [source_limit(source_id), ALL_SOURCES_LIMIT]
    if read_serve_info(params["data_dir"]) is None:
        names.append(EMBEDDED_STORE_LIMIT)
    # Waiting for the slots does not count against the time limit; the harvest itself does. The lease
    # is renewed while we hold it, and released if this process dies.
    with concurrency(names, occupy=1):
        [row] = harvest.with_options(timeout_seconds=timeout_seconds)(sources=[source_id], **params)
    if row["status"] == "failed":
        raise SourceRunFailed(f"{source_id}: {row['message']}", row)
    return row


def report_markdown(rows: list[dict[str, object]]) -> str:
    from flows.harvest import summary_markdown

    return summary_markdown(rows).replace("# Harvest summary", "# pan-kg run report", 1)


def ensure_limits(source_ids: list[str], config: ScheduleSettings, *, resize: bool = True) -> None:
    """Create the global concurrency limits (a limit that does not exist limits nothing); with `resize`, also
    set the existing ones to this configuration. `pankg schedule` resizes; a run only creates what is
    missing, so a run never undoes the size its scheduler was started with (`--max-parallel-sources`)."""
    from prefect import get_client
    from prefect.exceptions import ObjectNotFound

    wanted = {source_limit(s): 1 for s in source_ids}
    wanted |= {ALL_SOURCES_LIMIT: config.max_parallel_sources, EMBEDDED_STORE_LIMIT: 1}
    with get_client(sync_client=True) as client:
        for name, limit in wanted.items():
            if not resize:
                try:
                    client.read_global_concurrency_limit_by_name(name)
                    continue
                except ObjectNotFound:
                    pass
            try:
                client.upsert_global_concurrency_limit_by_name(name, limit)
            except Exception:
                # Another run created it at the same moment: it exists, which is all we need.
                client.read_global_concurrency_limit_by_name(name)


# One task per source: retries and the UI's per-source view come with it.
source_task = task(name="source", task_run_name="{source_id}")(harvest_holding_slots)


# Threads only wait on the concurrency limits; the `pan-kg-sources` limit decides how many work. (The ignore:
# Prefect's decorator types its task runner narrower than the runner it ships.)
@flow(name=FLOW_NAME, task_runner=ThreadPoolTaskRunner(max_workers=16), log_prints=True)  # type: ignore[arg-type]
def pan_kg(
    sources: list[str] | None = None,
    mode: str = "incremental",
    since: str | None = None,
    until: str | None = None,
    records: list[str] | None = None,
    remap_only: bool = False,
    allow_mass_deletion: bool = False,
    sources_file: str | None = None,
    data_dir: str | None = None,
    panet: str | None = None,
    base_iri: str | None = None,
    shacl_engine: str | None = None,
    public_endpoint: str | None = None,
) -> Any:
    """Harvest, map, validate and load the named sources (default: every enabled one), one task per
    source, at most one run per source at a time. `records`: just these OAI identifiers (one source);
    `remap_only`: re-map and re-load from the raw store without fetching. The settings parameters are the
    flags of `flows.settings` (unset: the environment, else the defaults)."""
    # The flow's setting parameters are its flags (Settings.build reads only the declared names).
    run_settings = Settings.build(locals())
    logger = get_run_logger()
    config = ScheduleSettings.from_env()
    if mode not in ("incremental", "full"):
        raise ValueError(f"mode must be 'incremental' or 'full', not {mode!r}")
    chosen = select_sources(load_sources(run_settings.sources_file), sources)
    if records and len(chosen) != 1:
        raise ValueError("records needs exactly one source")
    ensure_limits([s.id for s in chosen], config, resize=False)
    params = {
        "mode": mode,
        "since": since,
        "until": until,
        "records": records,
        "remap_only": remap_only,
        "allow_mass_deletion": allow_mass_deletion,
        **run_settings.as_parameters(),
    }
    guarded = source_task.with_options(
        retries=config.source_retries, retry_delay_seconds=config.retry_delay_seconds
    )
    futures = [guarded.submit(source.id, params, config.source_timeout_seconds) for source in chosen]
    rows: list[dict[str, object]] = []
    for source, future in zip(chosen, futures, strict=True):
        # A source that fails (after its retries) does not fail the others: it is a row of the report.
        try:
            rows.append(future.result())
        except SourceRunFailed as exc:
            rows.append(exc.row)
        except Exception as exc:  # crashed, timed out
            message = f"{type(exc).__name__}: {exc}"
            rows.append(SourceSummary(source=source.id, status="failed", message=message).as_dict())
    markdown = report_markdown(rows)
    create_markdown_artifact(markdown=markdown, key="pan-kg-run-report", description="Per-source report")
    failed = [str(row["source"]) for row in rows if row["status"] == "failed"]
    undecided = [str(row["source"]) for row in rows if row["status"] == "needs_decision"]
    if undecided:
        logger.warning("needs a steward's decision: %s", ", ".join(undecided))
    decide = f"; needs a steward's decision: {', '.join(undecided)}" if undecided else ""
    if failed:
        return Failed(message=f"sources failed: {', '.join(failed)}{decide}", data=rows)
    return Completed(message=f"{len(rows) - len(undecided)} source(s) ok{decide}", data=rows)
