"""Scheduler sub-commands: `pankg schedule`, `pankg reharvest`, `pankg schedule-status`."""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from flows.cli.common import Subparsers, add_selection, command, refuse
from flows.settings import Settings
from harvesters.sources import SourcesError, load_sources, select_sources

if TYPE_CHECKING:
    from prefect.client.schemas.objects import FlowRun
    from prefect.states import State


def add_commands(subparsers: Subparsers) -> None:
    schedule = command(
        subparsers, "schedule", help="register and serve the `nightly` and `reharvest` Prefect deployments"
    )
    schedule.add_argument(
        "--cron", help="cron of the nightly run (default: $PANKG_NIGHTLY_CRON or 0 2 * * *)"
    )
    schedule.add_argument(
        "--timezone", help="time zone of the cron (default: $PANKG_NIGHTLY_TIMEZONE or UTC)"
    )
    schedule.add_argument(
        "--max-parallel-sources",
        type=int,
        metavar="N",
        help="sources harvested at once, node-wide (default: $PANKG_MAX_PARALLEL_SOURCES or 4)",
    )
    schedule.add_argument(
        "--port",
        type=int,
        default=4200,
        help="port of the local Prefect server started when PREFECT_API_URL is unset",
    )
    schedule.add_argument(
        "--pool",
        metavar="NAME",
        help="register on this `process` work pool (created if missing) and run a worker for it, instead of serving",
    )
    schedule.add_argument(
        "--register-only", action="store_true", help="with --pool: register and exit (workers run elsewhere)"
    )
    schedule.set_defaults(func=run_schedule)

    reharvest = command(
        subparsers,
        "reharvest",
        help="a steward's re-harvest: a run of the `reharvest` deployment (or in-process)",
    )
    reharvest.add_argument("source_ids", nargs="+", metavar="SOURCE", help="source ids")
    add_selection(reharvest)
    reharvest.add_argument(
        "--remap",
        action="store_true",
        help="re-map, re-validate and re-load from the raw store; fetch nothing",
    )
    reharvest.add_argument(
        "--allow-mass-deletion", action="store_true", help="apply deletions the guard held back"
    )
    reharvest.add_argument("--wait", action="store_true", help="wait for the run and print its report")
    reharvest.add_argument(
        "--in-process", action="store_true", help="run here even when a scheduler is reachable"
    )
    reharvest.set_defaults(func=run_reharvest)

    status = command(
        subparsers, "schedule-status", help="the scheduler: where it is, next nightly runs, runs in progress"
    )
    status.set_defaults(func=run_schedule_status)


def _say(message: str) -> None:
    print(f"pankg: {message}", flush=True)


def run_schedule(args: argparse.Namespace, settings: Settings) -> int:
    from flows import schedule as sch

    try:
        config = sch.ScheduleSettings.from_env(
            cron=args.cron, timezone=args.timezone, max_parallel_sources=args.max_parallel_sources
        )
        registry = load_sources(settings.sources_file)
    except (ValueError, SourcesError) as exc:
        return refuse("", exc)
    # Nothing is passed to the served runs through the environment: the deployments carry the settings as
    # parameters, the cron lives in the nightly deployment, and the node-wide limit is set here
    # (`ensure_limits` below; the runs only create limits that are missing).
    data_dir = settings.data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    # SIGTERM (systemd, kill) must still stop the server and worker we start: exit through `finally`.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    server = None
    api_url = sch.configured_api_url()
    if api_url:
        if not sch.healthy(api_url):
            print(f"pankg: PREFECT_API_URL={api_url} does not answer", file=sys.stderr)
            return 1
        _say(f"using the Prefect server at {api_url} (PREFECT_API_URL)")
    else:
        home = data_dir / "prefect"
        try:
            server, api_url = sch.start_local_server(home, args.port)
        except RuntimeError as exc:
            print(f"pankg: {exc}", file=sys.stderr)
            return 1
        _say(f"PREFECT_API_URL is not set: started a local Prefect server at {api_url} (SQLite in {home})")
    info_path = data_dir / sch.SCHEDULER_INFO
    info = {
        "pid": os.getpid(),
        "api_url": api_url,
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    info_path.write_text(json.dumps(info), encoding="utf-8")
    try:
        with sch.using_api(api_url):
            sch.ensure_limits(list(registry), config)
            deployments = sch.deployments(config, settings)
            _say(f"UI: {sch.ui_url(api_url)}")
            _say(
                f"nightly: cron {config.cron} ({config.timezone}), every enabled source, incremental;"
                f" next run {config.next_nightly():%Y-%m-%d %H:%M} UTC"
            )
            if args.pool:
                return _register_on_pool(args.pool, deployments, register_only=args.register_only)
            _say("serving deployments pan-kg/nightly and pan-kg/reharvest (Ctrl-C stops)")
            from prefect import serve

            serve(*deployments, print_starting_message=False)
            return 0
    finally:
        info_path.unlink(missing_ok=True)
        if server is not None:
            sch.stop_process_group(server)


def _register_on_pool(pool: str, deployments: list[Any], *, register_only: bool) -> int:
    from prefect import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectNotFound

    from flows import schedule as sch

    with get_client(sync_client=True) as client:
        try:
            client.read_work_pool(pool)
        except ObjectNotFound:
            client.create_work_pool(WorkPoolCreate(name=pool, type="process"))
            _say(f"created work pool {pool!r} (type process)")
    for deployment in deployments:
        deployment.apply(work_pool_name=pool)
    _say(f"registered pan-kg/nightly and pan-kg/reharvest on work pool {pool!r}")
    _say(
        f"on any machine with pan-kg installed: PREFECT_API_URL={os.environ['PREFECT_API_URL']}"
        f" prefect worker start --pool {pool}"
    )
    if register_only:
        return 0
    prefect_cli = str(Path(sys.executable).parent / "prefect")
    worker = subprocess.Popen([prefect_cli, "worker", "start", "--pool", pool], start_new_session=True)
    _say(f"started a worker for {pool!r} here (pid {worker.pid}; Ctrl-C stops)")
    try:
        return worker.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        sch.stop_process_group(worker)


def run_reharvest(args: argparse.Namespace, settings: Settings) -> int:
    from flows import schedule as sch

    if args.records and len(args.source_ids) != 1:
        return refuse("", "--record needs exactly one SOURCE")
    sources_file = settings.sources_file
    if args.sources_file and not _known_sources(sources_file, args.source_ids):
        return 2
    parameters: dict[str, Any] = {
        "sources": args.source_ids,
        "mode": "full" if args.full else "incremental",
        "since": args.since,
        "until": args.until,
        "records": args.records,
        "remap_only": args.remap,
        "allow_mass_deletion": args.allow_mass_deletion,
    }
    data_dir = settings.data_dir
    found = None if args.in_process else sch.find_api(data_dir)
    if found is None:
        why = "--in-process" if args.in_process else "no scheduler reachable"
        _say(f"{why}: running the re-harvest in this process")
        if not _known_sources(sources_file, args.source_ids):
            return 2
        return _run_in_process(parameters, settings)
    api_url, how = found
    with sch.using_api(api_url):
        from prefect import get_client
        from prefect.client.schemas.objects import DeploymentStatus
        from prefect.exceptions import ObjectNotFound

        name = f"{sch.FLOW_NAME}/{sch.REHARVEST}"
        with get_client(sync_client=True) as client:
            try:
                deployment = client.read_deployment_by_name(name)
            except ObjectNotFound:
                deployment = None
        # The scheduler's own registry decides which sources exist (when this machine can read it).
        theirs = Path(str((deployment.parameters if deployment else {}).get("sources_file") or sources_file))
        if theirs.exists() and not _known_sources(theirs, args.source_ids):
            return 2
        if deployment is None or deployment.status != DeploymentStatus.READY:
            # Nothing would pick the run up: do it here, still recorded on (and locked by) that server.
            reason = "is not registered" if deployment is None else "is not served by anyone right now"
            _say(f"{name} {reason} on {api_url}: running the re-harvest in this process")
            return _run_in_process(parameters, settings)
        from prefect.deployments import run_deployment

        # Called from sync code, Prefect's dual sync/async API returns the flow run itself.
        run = cast("FlowRun", run_deployment(name, parameters=parameters, timeout=0, tags=["steward"]))
        _say(f"scheduler: {api_url} (from {how})")
        _say(f"created flow run {run.name!r}: id {run.id}")
        _say(f"watch it: {sch.ui_url(api_url)}/runs/flow-run/{run.id}")
        if not args.wait:
            return 0
        return _wait_and_report(run.id)


def _known_sources(sources_file: Path, source_ids: list[str]) -> bool:
    try:
        select_sources(load_sources(sources_file), source_ids)
    except SourcesError as exc:
        print(f"pankg: {exc}", file=sys.stderr)
        return False
    return True


def _run_in_process(parameters: dict[str, Any], settings: Settings) -> int:
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from flows.schedule import configured_api_url, healthy, pan_kg, report_markdown

    url = configured_api_url()
    if url and not healthy(url):
        # A configured server that is down: run in Prefect's ephemeral mode rather than not at all.
        _say(f"PREFECT_API_URL={url} does not answer: running without it (Prefect's ephemeral mode)")
        os.environ.pop("PREFECT_API_URL", None)
        with temporary_settings(restore_defaults={PREFECT_API_URL}):
            state = cast("State[Any]", pan_kg(**parameters, **settings.as_parameters(), return_state=True))
    else:
        state = cast("State[Any]", pan_kg(**parameters, **settings.as_parameters(), return_state=True))
    rows = state.result(raise_on_failure=False)
    if isinstance(rows, list):
        print(report_markdown(rows))
    _say(f"run ended {state.name}: {state.message or ''}".rstrip(": "))
    return 0 if state.is_completed() else 1


def _wait_and_report(flow_run_id: Any) -> int:
    from prefect import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId, ArtifactFilterKey

    with get_client(sync_client=True) as client:
        while True:
            run = client.read_flow_run(flow_run_id)
            if run.state and run.state.is_final():
                break
            time.sleep(2)
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(
                flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id]),
                key=ArtifactFilterKey(any_=["pan-kg-run-report"]),
            )
        )
    for artifact in artifacts:
        print(artifact.data)
    _say(f"run ended {run.state.name}: {run.state.message or ''}".rstrip(": "))
    return 0 if run.state.is_completed() else 1


def run_schedule_status(args: argparse.Namespace, settings: Settings) -> int:
    from flows.schedule import schedule_status_lines

    print("\n".join(schedule_status_lines(settings.data_dir)))
    return 0
