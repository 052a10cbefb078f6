"""What the scheduler says for `pankg status`: the nightly deployment, its next runs, runs in progress (from
Prefect when a server answers), and the raw store's unfinished runs in any case."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from flows.schedule.names import FLOW_NAME, NIGHTLY, REHARVEST
from flows.schedule.server import find_api, ui_url, using_api
from flows.schedule.settings import ScheduleSettings
from flows.settings import raw_store_path
from harvesters.raw_store import RawStore


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
    try:
        with RawStore(path, read_only=True) as raw:
            rows = raw.unfinished_runs()
    except sqlite3.Error as exc:
        return [f"raw store: cannot be read ({exc})"]
    return [
        f"raw store: {s} {m} run started {t} has not finished (running, or interrupted)" for s, m, t in rows
    ]
