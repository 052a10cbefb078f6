"""Nightly schedule and data-steward re-harvests as Prefect deployments.

One flow, `pan-kg`, wraps the `harvest` flow: it runs every chosen source as its own task, each holding
Prefect global concurrency slots, so a steward's re-harvest and the nightly run never work on the same
source at once (they wait for each other, across processes and machines), while different sources run in
parallel up to a node-wide limit. Two deployments of it: `nightly` (cron, every enabled source,
incremental) and `reharvest` (the steward's parameters). They are served by `pankg schedule` (Prefect's
`serve`) or registered on a `process` work pool that `prefect worker start` runs anywhere pan-kg is
installed.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.states import Completed, Failed
from prefect.task_runners import ThreadPoolTaskRunner

from flows.settings import Settings, raw_store_path
from harvesters.harvest import SourceSummary
from harvesters.sources import load_sources, select_sources

FLOW_NAME = "pan-kg"
NIGHTLY = "nightly"
REHARVEST = "reharvest"
DEFAULT_POOL = "pan-kg"
# Every source harvest holds one slot of this limit: the node-wide cap on sources running at once.
ALL_SOURCES_LIMIT = "pan-kg-sources"
# The embedded Oxigraph store is a locked directory: without `pankg serve`, source runs (which load
# into it) must take turns; with it, they load over HTTP in parallel.
EMBEDDED_STORE_LIMIT = "pan-kg-embedded-graph"
SCHEDULER_INFO = "schedule.json"


def source_limit(source_id: str) -> str:
    return f"source-{source_id}"


# --- configuration --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScheduleSettings:
    """Declared once: each field is read from the environment variable in its metadata; flags override."""

    cron: str = "0 2 * * *"
    timezone: str = "UTC"
    max_parallel_sources: int = 4
    source_retries: int = 2
    retry_delay_seconds: float = 600.0
    source_timeout_seconds: float = 6 * 3600.0

    ENV: ClassVar[dict[str, tuple[str, str]]] = {
        "cron": ("PANKG_NIGHTLY_CRON", "cron of the nightly run"),
        "timezone": ("PANKG_NIGHTLY_TIMEZONE", "time zone of the cron"),
        "max_parallel_sources": ("PANKG_MAX_PARALLEL_SOURCES", "sources harvested at once, node-wide"),
        "source_retries": ("PANKG_SOURCE_RETRIES", "retries of a failed source within one run"),
        "retry_delay_seconds": ("PANKG_RETRY_DELAY_SECONDS", "wait before retrying a failed source"),
        "source_timeout_seconds": ("PANKG_SOURCE_TIMEOUT_SECONDS", "time limit of one source's run"),
    }

    @classmethod
    def from_env(cls, **overrides: Any) -> ScheduleSettings:
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = overrides.get(f.name)
            if raw is None:
                raw = os.environ.get(cls.ENV[f.name][0])
            if raw is None:
                continue
            kind = type(getattr(cls, f.name))
            try:
                values[f.name] = kind(raw)
            except ValueError as exc:
                raise ValueError(f"{cls.ENV[f.name][0]}={raw!r}: not a {kind.__name__}") from exc
        result = cls(**values)
        result.validate()
        return result

    def validate(self) -> None:
        from prefect._vendor.croniter import croniter  # what Prefect's own CronSchedule uses

        if not croniter.is_valid(self.cron):
            raise ValueError(f"invalid cron {self.cron!r}")
        if self.max_parallel_sources < 1 or self.source_retries < 0 or self.source_timeout_seconds <= 0:
            raise ValueError("max_parallel_sources >= 1, source_retries >= 0, source_timeout_seconds > 0")

    def next_nightly(self, after: datetime | None = None) -> datetime:
        """The next nightly run by configuration (what `status` shows when no scheduler answers)."""
        from zoneinfo import ZoneInfo

        from prefect._vendor.croniter import croniter

        start = (after or datetime.now(UTC)).astimezone(ZoneInfo(self.timezone))
        return croniter(self.cron, start).get_next(datetime).astimezone(UTC)


# --- the flow -------------------------------------------------------------------------------------------


class SourceRunFailed(RuntimeError):
    """A source ended `failed`: raised inside its task so that Prefect's task retries apply."""

    def __init__(self, message: str, row: dict[str, object]) -> None:
        super().__init__(message)
        self.row = row


def _run_source(source_id: str, params: dict[str, Any], timeout_seconds: float) -> dict[str, object]:
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


def ensure_limits(source_ids: list[str], config: ScheduleSettings) -> None:
    """Create (or re-size) the global concurrency limits; a limit that does not exist limits nothing."""
    from prefect import get_client

    wanted = {source_limit(s): 1 for s in source_ids}
    wanted |= {ALL_SOURCES_LIMIT: config.max_parallel_sources, EMBEDDED_STORE_LIMIT: 1}
    with get_client(sync_client=True) as client:
        for name, limit in wanted.items():
            try:
                client.upsert_global_concurrency_limit_by_name(name, limit)
            except Exception:
                # Another run created it at the same moment: it exists, which is all we need.
                client.read_global_concurrency_limit_by_name(name)


# One task per source: retries and the UI's per-source view come with it.
run_source = task(name="source", task_run_name="{source_id}")(_run_source)


# Threads only wait on the concurrency limits; the `pan-kg-sources` limit decides how many work.
@flow(name=FLOW_NAME, task_runner=ThreadPoolTaskRunner(max_workers=16), log_prints=True)
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
    logger = get_run_logger()
    config = ScheduleSettings.from_env()
    # The flow's setting parameters are its flags (Settings.build reads only the declared names).
    run_settings = Settings.build(locals())
    if mode not in ("incremental", "full"):
        raise ValueError(f"mode must be 'incremental' or 'full', not {mode!r}")
    chosen = select_sources(load_sources(run_settings.sources_file), sources)
    if records and len(chosen) != 1:
        raise ValueError("records needs exactly one source")
    ensure_limits([s.id for s in chosen], config)
    params = {
        "mode": mode,
        "since": since,
        "until": until,
        "records": records,
        "remap_only": remap_only,
        "allow_mass_deletion": allow_mass_deletion,
        **run_settings.as_parameters(),
    }
    guarded = run_source.with_options(
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


# --- deployments ----------------------------------------------------------------------------------------


def deployments(config: ScheduleSettings, settings: Settings) -> list[Any]:
    """`nightly` and `reharvest`, both running `flows.schedule.pan_kg` by module path, so that any
    machine with pan-kg installed (a `serve` process or a worker) can load it. The settings travel as the
    deployments' parameters, so every run uses the configuration the scheduler was started with."""
    from prefect.client.schemas.schedules import CronSchedule
    from prefect.deployments.runner import EntrypointType

    # Absolute paths: the run happens in another process (or machine) and another working directory.
    local_panet = Path(settings.panet)
    where = settings.as_parameters() | {
        "sources_file": str(settings.sources_file.resolve()),
        "data_dir": str(settings.data_dir.resolve()),
        "panet": str(local_panet.resolve()) if local_panet.exists() else settings.panet,
    }
    nightly = pan_kg.to_deployment(
        name=NIGHTLY,
        schedules=[CronSchedule(cron=config.cron, timezone=config.timezone)],
        paused=False,
        parameters={"mode": "incremental", **where},
        description="Every enabled source, incremental: harvest, map, validate, load.",
        tags=["pan-kg", "nightly"],
        entrypoint_type=EntrypointType.MODULE_PATH,
    )
    reharvest = pan_kg.to_deployment(
        name=REHARVEST,
        parameters=where,
        description="A data steward's re-harvest: sources, mode, since/until, records, remap_only.",
        tags=["pan-kg", "reharvest"],
        entrypoint_type=EntrypointType.MODULE_PATH,
    )
    return [nightly, reharvest]


# --- finding or starting a Prefect server ---------------------------------------------------------------


def healthy(api_url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(api_url.rstrip("/") + "/health", timeout=timeout) as response:
            return response.status == 200
    except OSError:
        return False


def ui_url(api_url: str) -> str:
    return api_url.rstrip("/").removesuffix("/api")


def configured_api_url() -> str | None:
    """PREFECT_API_URL (environment or Prefect profile), if any."""
    from prefect.settings import PREFECT_API_URL

    return PREFECT_API_URL.value() or None


def read_scheduler_info(data_dir: Path) -> dict[str, Any] | None:
    try:
        return json.loads((data_dir / SCHEDULER_INFO).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def find_api(data_dir: Path) -> tuple[str, str] | None:
    """(API URL, how we know it) of a Prefect server that answers, or None."""
    url = configured_api_url()
    if url:
        return (url, "PREFECT_API_URL") if healthy(url) else None
    info = read_scheduler_info(data_dir)
    if info and healthy(info["api_url"]):
        return info["api_url"], f"the local server of `pankg schedule` ({data_dir / SCHEDULER_INFO})"
    return None


@contextmanager
def using_api(api_url: str) -> Iterator[None]:
    """Point this process's Prefect client (and the processes it starts) at `api_url`."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    before = os.environ.get("PREFECT_API_URL")
    os.environ["PREFECT_API_URL"] = api_url
    try:
        with temporary_settings(updates={PREFECT_API_URL: api_url}):
            yield
    finally:
        if before is None:
            os.environ.pop("PREFECT_API_URL", None)
        else:
            os.environ["PREFECT_API_URL"] = before


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_local_server(home: Path, port: int, timeout: float = 120.0) -> tuple[subprocess.Popen[bytes], str]:
    """`prefect server start` on loopback with its SQLite database under `home`, in its own process
    group (so that stopping it stops its children too)."""
    home.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
    }
    env.pop("PREFECT_API_URL", None)
    prefect_cli = shutil.which("prefect", path=str(Path(sys.executable).parent)) or "prefect"
    log = (home / "server.log").open("ab")
    process = subprocess.Popen(
        [prefect_cli, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    api_url = f"http://127.0.0.1:{port}/api"
    deadline = time.monotonic() + timeout
    while not healthy(api_url, timeout=1.0):
        if process.poll() is not None or time.monotonic() > deadline:
            stop_process_group(process)
            raise RuntimeError(f"the local Prefect server did not start; see {home / 'server.log'}")
        time.sleep(0.5)
    return process, api_url


def stop_process_group(process: subprocess.Popen[Any], timeout: float = 15.0) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    except ProcessLookupError:
        pass


# --- what the scheduler says: next run, runs in progress --------------------------------------------------


@dataclass
class ScheduleStatus:
    api: str | None = None  # where the server is, or None
    nightly_cron: str | None = None
    nightly_paused: bool | None = None
    serving: bool | None = None  # something polls the deployments (serve process or worker)
    next_runs: list[datetime] | None = None
    in_progress: list[str] | None = None


def read_schedule_status(api_url: str) -> ScheduleStatus:
    from prefect import get_client
    from prefect.client.schemas.filters import (
        DeploymentFilter,
        DeploymentFilterId,
        FlowRunFilter,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import DeploymentStatus, StateType
    from prefect.client.schemas.sorting import FlowRunSort
    from prefect.exceptions import ObjectNotFound

    status = ScheduleStatus(api=api_url, next_runs=[], in_progress=[])
    with using_api(api_url), get_client(sync_client=True) as client:
        ids = {}
        for name in (NIGHTLY, REHARVEST):
            try:
                deployment = client.read_deployment_by_name(f"{FLOW_NAME}/{name}")
            except ObjectNotFound:
                continue
            ids[name] = deployment.id
            if name == NIGHTLY:
                crons = [getattr(s.schedule, "cron", None) for s in deployment.schedules]
                status.nightly_cron = ", ".join(c for c in crons if c) or None
                status.nightly_paused = deployment.paused
                status.serving = deployment.status == DeploymentStatus.READY
        if not ids:
            return status
        if NIGHTLY in ids:
            scheduled = client.read_flow_runs(
                deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[ids[NIGHTLY]])),
                flow_run_filter=FlowRunFilter(
                    state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.SCHEDULED]))
                ),
                sort=FlowRunSort.EXPECTED_START_TIME_ASC,
                limit=3,
            )
            status.next_runs = [r.expected_start_time for r in scheduled if r.expected_start_time]
        running = client.read_flow_runs(
            deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=list(ids.values()))),
            flow_run_filter=FlowRunFilter(
                state=FlowRunFilterState(
                    type=FlowRunFilterStateType(any_=[StateType.RUNNING, StateType.PENDING])
                )
            ),
        )
        names = {v: k for k, v in ids.items()}
        for run in running:
            chosen = ", ".join(run.parameters.get("sources") or []) or "every enabled source"
            state = run.state.name if run.state else "?"
            since = f" since {run.start_time:%Y-%m-%d %H:%M:%S} UTC" if run.start_time else ""
            status.in_progress.append(
                f"{names.get(run.deployment_id, '?')} run {run.name} ({state}{since}): {chosen}"
                f" — {ui_url(api_url)}/runs/flow-run/{run.id}"
            )
    return status


def schedule_status_lines(data_dir: Path, config: ScheduleSettings | None = None) -> list[str]:
    """The scheduler section of `pankg status`: from Prefect when a server answers, else from our own
    state (the configured cron and the raw store's unfinished runs). Never raises."""
    try:
        config = config or ScheduleSettings.from_env()
    except ValueError as exc:
        return [f"schedule: configuration error: {exc}"]
    lines = []
    found = None
    try:
        found = find_api(data_dir)
    except Exception as exc:
        lines.append(f"scheduler: cannot be asked ({exc})")
    status = None
    if found:
        api_url, how = found
        lines.append(f"scheduler: Prefect server at {api_url} (from {how}); UI {ui_url(api_url)}")
        try:
            status = read_schedule_status(api_url)
        except Exception as exc:
            lines.append(f"scheduler: the server did not answer: {exc}")
    else:
        lines.append("scheduler: no Prefect server reachable (start one with `pankg schedule`)")
    if status and status.nightly_cron:
        state = "paused" if status.nightly_paused else "active"
        served = "served" if status.serving else "not served (no `pankg schedule` or worker polling it)"
        lines.append(f"nightly: cron {status.nightly_cron}, {state}, {served}")
        nxt = ", ".join(t.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") for t in status.next_runs or [])
        lines.append(f"next nightly runs: {nxt or 'none scheduled'}")
    else:
        if status:
            lines.append("nightly: not registered on this server (run `pankg schedule`)")
        nxt = config.next_nightly().strftime("%Y-%m-%d %H:%M UTC")
        lines.append(f"next nightly run by configuration: {nxt} (cron {config.cron} {config.timezone})")
    if status:
        lines.append("runs in progress:" + ("" if status.in_progress else " none"))
        lines += [f"  {line}" for line in status.in_progress or []]
    lines += _raw_store_in_progress(data_dir)
    return lines


def _raw_store_in_progress(data_dir: Path) -> list[str]:
    """Unfinished source runs in the raw store: running now, or interrupted (a killed process)."""
    path = raw_store_path(data_dir)
    if not path.exists():
        return []
    import sqlite3

    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5) as db:
            rows = db.execute(
                "SELECT source, mode, started_at FROM runs WHERE finished_at IS NULL ORDER BY run_id"
            ).fetchall()
    except sqlite3.Error as exc:
        return [f"raw store: cannot be read ({exc})"]
    return [
        f"raw store: {s} {m} run started {t} has not finished (running, or interrupted)" for s, m, t in rows
    ]
