"""A real Prefect server for the scheduler tests: `prefect server start` on loopback, its own PREFECT_HOME
(SQLite) in a temporary directory, started once per session and stopped (process group) at the end."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from flows.schedule.server import free_port, start_local_server, stop_process_group, using_api


@pytest.fixture(scope="session")
def prefect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    home = tmp_path_factory.mktemp("prefect-home")
    saved = {k: os.environ.get(k) for k in ("PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS",)}
    # The scheduler service looks for deployments to schedule every 5 s instead of every 60 s.
    os.environ["PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS"] = "5"
    try:
        process, api_url = start_local_server(home, free_port())
    finally:
        for key, value in saved.items():
            os.environ.pop(key) if value is None else os.environ.__setitem__(key, value)
    try:
        yield api_url
    finally:
        stop_process_group(process)


@pytest.fixture(autouse=True)
def prefect_api(prefect_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """This process's Prefect client and every subprocess a test starts talk to the session's server."""
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path / "prefect-client"))
    monkeypatch.setenv("PANKG_RETRY_DELAY_SECONDS", "1")
    with using_api(prefect_server):
        yield prefect_server
