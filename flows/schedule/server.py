"""Finding a Prefect server that answers (PREFECT_API_URL, or the local one `pankg schedule` started), or
starting one on loopback in its own process group."""

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
from pathlib import Path
from typing import Any

from flows.schedule.names import SCHEDULER_INFO


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
