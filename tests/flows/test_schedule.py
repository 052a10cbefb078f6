"""The scheduler as operators and stewards use it: the real `pankg schedule` / `pankg reharvest` CLI, a real
Prefect server (conftest), deployments served by `serve` or run by a `process` work-pool worker, against
real OAI-PMH providers on loopback serving real DataCite records."""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from prefect import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterName
from prefect.client.schemas.objects import DeploymentStatus, FlowRun
from prefect.client.schemas.sorting import FlowRunSort
from prefect.deployments import run_deployment

from flows.schedule.names import FLOW_NAME, NIGHTLY, REHARVEST
from flows.schedule.server import free_port, stop_process_group, using_api
from flows.schedule.settings import ScheduleSettings
from flows.schedule.status import schedule_status_lines
from harvesters.raw_store import RawStore
from tests.support.corpus import served_records
from tests.support.http_server import LoopbackServer, WsgiApp
from tests.support.oai_server import RecordSet, oai_app
from tests.support.shared_data import REPO

pytestmark = pytest.mark.prefect_server

PANKG = [sys.executable, "-m", "flows.cli"]
RUN_ID = re.compile(r"created flow run '[^']+': id ([0-9a-f-]{36})")


def pankg(*args: str | Path, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*PANKG, *map(str, args)], cwd=REPO, env=os.environ, capture_output=True, text=True, timeout=timeout
    )


@contextmanager
def background(command: list[str | Path], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A long-running process in its own process group, stopped with all its children at the end."""
    with log.open("wb") as out:
        process = subprocess.Popen(
            list(map(str, command)), cwd=REPO, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            yield process
        finally:
            stop_process_group(process)


def wait_until(check: Callable[[], Any], what: str, timeout: float = 90, log: Path | None = None) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.5)
    detail = log.read_text(errors="replace")[-3000:] if log else ""
    raise AssertionError(f"timed out waiting for {what}\n{detail}")


def deployments_ready() -> bool:
    with get_client(sync_client=True) as client:
        try:
            return all(
                client.read_deployment_by_name(f"{FLOW_NAME}/{name}").status == DeploymentStatus.READY
                for name in (NIGHTLY, REHARVEST)
            )
        except Exception:
            return False


def final_run(flow_run_id: UUID | str, log: Path | None = None) -> FlowRun:
    def check() -> FlowRun | None:
        with get_client(sync_client=True) as client:
            run = client.read_flow_run(UUID(str(flow_run_id)))
        return run if run.state and run.state.is_final() else None

    return wait_until(check, f"flow run {flow_run_id} to finish", timeout=150, log=log)


def registry(tmp_path: Path, urls: dict[str, str]) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(
        "".join(
            f'[{sid}]\nname = "Provider {sid}"\nprotocol = "oai-pmh"\nurl = "{url}"\n'
            'metadata_prefix = "oai_datacite"\nrequests_per_second = 0\nretries = 1\n\n'
            for sid, url in urls.items()
        ),
        encoding="utf-8",
    )
    return path


def slow(app: WsgiApp, seconds: float) -> WsgiApp:
    """A provider that takes its time, so that runs last long enough to overlap if nothing stops them."""

    def delayed(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        time.sleep(seconds)
        return app(environ, start_response)

    return delayed


def source_runs(data: Path, source: str) -> list[dict[str, Any]]:
    with RawStore(data / "raw.sqlite") as store:
        return store.runs(source)


def test_schedule_serves_the_nightly_and_a_stewards_reharvests(tmp_path: Path, prefect_api: str) -> None:
    record_set = RecordSet(served_records())
    with LoopbackServer(oai_app(record_set, page_size=7)) as provider:
        sources = registry(tmp_path, {"local": provider.url})
        data = tmp_path / "data"
        log = tmp_path / "schedule.log"
        command = [*PANKG, "schedule", "--sources", sources, "--data-dir", data, "--cron", "30 3 * * *"]
        with background(command, log):
            wait_until(deployments_ready, "the served deployments", log=log)
            assert f"using the Prefect server at {prefect_api} (PREFECT_API_URL)" in log.read_text()

            # The nightly deployment has its next runs, at 03:30 UTC.
            def nightly_runs() -> list[str]:
                lines = schedule_status_lines(data)
                return [line for line in lines if line.startswith("next nightly runs: 20")]

            [line] = wait_until(nightly_runs, "scheduled nightly runs", log=log)
            assert line.count("03:30 UTC") == 3, line

            # A steward's full re-harvest: a run of the `reharvest` deployment, executed by the serve process.
            result = pankg("reharvest", "local", "--full", "--sources", sources, "--data-dir", data)
            assert result.returncode == 0, result.stderr
            run_id = RUN_ID.search(result.stdout).group(1)  # type: ignore[union-attr]
            assert f"watch it: {prefect_api.removesuffix('/api')}/runs/flow-run/{run_id}" in result.stdout
            run = final_run(run_id, log)
            assert run.state is not None and run.state.is_completed(), run.state
            assert run.parameters["sources"] == ["local"] and run.parameters["mode"] == "full"
            with RawStore(data / "raw.sqlite") as store:
                assert store.live_count("local") == 30

            # One record changed at the provider: fetch just that one (GetRecord), and wait for the report.
            first = record_set.records[0]
            record_set.records[0] = dataclasses.replace(
                first,
                resource=first.resource.replace(b"</resource>", b"<!-- corrected --></resource>"),
                datestamp=datetime.now(UTC).replace(tzinfo=None, microsecond=0),
            )
            result = pankg("reharvest", "local", "--record", first.identifier, "--wait", "--data-dir", data)
            assert result.returncode == 0, result.stdout + result.stderr
            assert "| local | ok | records | 1 | 0 | 1 | 0 | 0 | 0 |" in result.stdout
            assert "run ended Completed" in result.stdout
            [*_, last] = source_runs(data, "local")
            assert (last["mode"], last["fetched"], last["changed"]) == ("records", 1, 1)

            status = pankg("schedule-status", "--data-dir", data)
            assert "nightly: cron 30 3 * * *, active, served" in status.stdout
            assert "runs in progress: none" in status.stdout


def test_a_worker_runs_reharvests_and_runs_on_one_source_never_overlap(tmp_path: Path) -> None:
    apps = {sid: slow(oai_app(RecordSet(served_records()), page_size=7), 1.0) for sid in ("alpha", "beta")}
    with LoopbackServer(apps["alpha"]) as alpha, LoopbackServer(apps["beta"]) as beta:
        sources = registry(tmp_path, {"alpha": alpha.url, "beta": beta.url})
        data = tmp_path / "data"
        pool = "pan-kg-test"
        # The graph served over HTTP (as in production), so that only the per-source limits order the runs.
        serve = [*PANKG, "serve", "--data-dir", data, "--bind", f"127.0.0.1:{free_port()}"]
        with background(serve, tmp_path / "serve.log"):
            wait_until(lambda: (data / "serve.json").exists(), "pankg serve")
            result = pankg(
                "schedule", "--sources", sources, "--data-dir", data, "--pool", pool, "--register-only"
            )
            assert result.returncode == 0, result.stdout + result.stderr
            assert f"registered pan-kg/nightly and pan-kg/reharvest on work pool '{pool}'" in result.stdout
            log = tmp_path / "worker.log"
            worker = [Path(sys.executable).parent / "prefect", "worker", "start", "--pool", pool]
            with background(worker, log):
                wait_until(deployments_ready, "a worker polling the pool", log=log)
                # Two runs on one source created at the same moment (so that the worker starts them together).
                name = f"{FLOW_NAME}/{REHARVEST}"
                run_ids = [
                    run_deployment(name, parameters={"sources": ["alpha"], "mode": "full"}, timeout=0).id
                    for _ in range(2)
                ]
                # And a steward's run on another source, from the command line.
                result = pankg("reharvest", "beta", "--full", "--sources", sources, "--data-dir", data)
                assert result.returncode == 0, result.stderr
                run_ids.append(RUN_ID.search(result.stdout).group(1))  # type: ignore[union-attr]
                runs = [final_run(run_id, log) for run_id in run_ids]
        assert all(run.state is not None and run.state.is_completed() for run in runs), [
            r.state for r in runs
        ]

    # Two runs on one source took turns: the second started after the first had finished (the per-source
    # subflows in Prefect, to the microsecond; and the harvests in the raw store).
    with get_client(sync_client=True) as client:
        subflows = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(name=FlowRunFilterName(any_=["harvest-alpha"])),
            sort=FlowRunSort.START_TIME_ASC,
        )
    assert len(subflows) == 2 and all(r.start_time and r.end_time for r in subflows), subflows
    assert subflows[0].end_time <= subflows[1].start_time, [(r.start_time, r.end_time) for r in subflows]
    first, second = source_runs(data, "alpha")
    assert first["finished_at"] <= second["started_at"], (first, second)
    assert (first["fetched"], second["fetched"]) == (30, 30)
    [beta_run] = source_runs(data, "beta")
    assert beta_run["status"] == "ok" and beta_run["fetched"] == 30


def test_status_without_a_prefect_server_comes_from_our_own_state(tmp_path: Path) -> None:
    with RawStore(tmp_path / "raw.sqlite") as store:
        store.start_run("esrf", "incremental", None, None)  # never finished: running, or killed
    with using_api("http://127.0.0.1:9/api"):  # nothing listens there
        lines = schedule_status_lines(tmp_path, ScheduleSettings(cron="15 4 * * *"))
    assert lines[0].startswith("scheduler: no Prefect server reachable")
    assert re.fullmatch(
        r"next nightly run by configuration: \S+ 04:15 UTC \(cron 15 4 \* \* \* UTC\)", lines[1]
    )
    assert lines[2].startswith("raw store: esrf incremental run started ")


def test_schedule_settings_from_environment_and_flags(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PANKG_NIGHTLY_CRON", "0 1 * * *")
    monkeypatch.setenv("PANKG_MAX_PARALLEL_SOURCES", "2")
    config = ScheduleSettings.from_env(cron="45 23 * * *")
    assert (config.cron, config.max_parallel_sources, config.timezone) == ("45 23 * * *", 2, "UTC")
    with pytest.raises(ValueError, match="invalid cron"):
        ScheduleSettings.from_env(cron="every night")
    monkeypatch.setenv("PANKG_SOURCE_RETRIES", "many")
    with pytest.raises(ValueError, match="PANKG_SOURCE_RETRIES='many'"):
        ScheduleSettings.from_env()


def test_reharvest_runs_in_process_when_no_scheduler_answers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PANKG_SOURCE_RETRIES", "1")
    with LoopbackServer(oai_app(RecordSet(served_records()), page_size=10)) as provider:
        with LoopbackServer(oai_app(RecordSet([]))) as gone:
            down_url = gone.url
        sources = registry(tmp_path, {"local": provider.url, "down": down_url})
        data = tmp_path / "data"
        with using_api("http://127.0.0.1:9/api"):  # configured, but nothing listens there
            result = pankg("reharvest", "local", "down", "--sources", sources, "--data-dir", data)
    assert "no scheduler reachable: running the re-harvest in this process" in result.stdout
    assert "does not answer: running without it" in result.stdout
    # One source down: retried once, reported, and the run's final state names it; the other is loaded.
    assert result.returncode == 1, result.stdout + result.stderr
    assert "| local | ok | full | 30 | 30 |" in result.stdout  # the first harvest of a source is a full pull
    assert "- **down** (failed): " in result.stdout
    assert "run ended Failed: sources failed: down" in result.stdout
    assert [run["status"] for run in source_runs(data, "down")] == ["failed", "failed"]


def test_a_run_keeps_the_node_wide_limit_its_scheduler_set() -> None:
    """`pankg schedule --max-parallel-sources 2` sets the limit; the runs it serves (which read only the
    environment's defaults) create missing limits but never resize it back."""
    from flows.schedule.flow import ensure_limits
    from flows.schedule.names import ALL_SOURCES_LIMIT, source_limit

    def limit(name: str) -> int:
        with get_client(sync_client=True) as client:
            return client.read_global_concurrency_limit_by_name(name).limit

    ensure_limits(["limits-a"], ScheduleSettings(max_parallel_sources=2))
    assert limit(ALL_SOURCES_LIMIT) == 2
    ensure_limits(["limits-a", "limits-b"], ScheduleSettings(), resize=False)  # a run: defaults say 4
    assert (limit(ALL_SOURCES_LIMIT), limit(source_limit("limits-b"))) == (2, 1)
    ensure_limits(["limits-a"], ScheduleSettings(max_parallel_sources=3))  # the scheduler again
    assert limit(ALL_SOURCES_LIMIT) == 3
