"""`pankg serve`: the real Oxigraph server on the store, in the foreground.

While it runs, `{data_dir}/serve.json` (pid + URL) tells `open_store` to load through HTTP instead of opening
the directory, which the server holds locked.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType

import requests

from graph.store import SERVE_INFO, read_serve_info

DEFAULT_BIND = "127.0.0.1:7878"
# Oxigraph 0.5.13 has `--timeout-s` (SPARQL queries only); it also becomes the server's HTTP I/O time-out.
DEFAULT_TIMEOUT_S = 30
_LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}


def oxigraph_binary() -> str:
    """The `oxigraph` CLI installed beside this Python (the `oxigraph` package), else one on PATH."""
    beside = Path(sys.executable).parent / "oxigraph"
    if beside.exists():
        return str(beside)
    found = shutil.which("oxigraph")
    if found is None:
        raise FileNotFoundError("the `oxigraph` server binary is not installed (pip package `oxigraph`)")
    return found


def split_bind(bind: str) -> tuple[str, int]:
    host, _, port = bind.rpartition(":")
    if not host or not port.isdigit():
        raise ValueError(f"--bind must be HOST:PORT, got {bind!r}")
    return host, int(port)


def is_loopback(bind: str) -> bool:
    host, _ = split_bind(bind)
    return host in _LOOPBACK_HOSTS or host.startswith("127.")


def client_url(bind: str) -> str:
    host, port = split_bind(bind)
    if host in ("0.0.0.0", "::", "[::]"):
        host = "127.0.0.1"
    return f"http://{host}:{port}"


def serve_command(location: Path, bind: str, timeout_s: int) -> list[str]:
    return [
        oxigraph_binary(),
        "serve",
        "--location",
        str(location),
        "--bind",
        bind,
        # Record graphs are named graphs; without this, queries without GRAPH would see nothing.
        "--union-default-graph",
        "--cors",
        "--timeout-s",
        str(timeout_s),
    ]


def wait_ready(url: str, process: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"oxigraph serve exited with code {process.returncode} before answering")
        try:
            if requests.get(f"{url}/query", timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.05)
    raise TimeoutError(f"oxigraph serve did not answer at {url} within {timeout}s")


def serve(
    data_dir: str | os.PathLike[str],
    *,
    bind: str = DEFAULT_BIND,
    timeout_s: int = DEFAULT_TIMEOUT_S,
    allow_remote: bool = False,
) -> int:
    """Run `oxigraph serve` on `{data_dir}/graph` until it exits or this process is told to stop."""
    if not is_loopback(bind) and not allow_remote:
        # The server accepts updates from anyone who can reach it: expose it only through the read-only gate.
        raise ValueError(f"refusing to bind {bind}: not loopback (put deploy/nginx/pankg.conf in front)")
    data_dir = Path(data_dir)
    running = read_serve_info(data_dir)
    if running is not None:
        raise RuntimeError(f"{data_dir} is already served at {running['url']} (pid {running['pid']})")
    location = data_dir / "graph"
    location.mkdir(parents=True, exist_ok=True)
    url = client_url(bind)
    info_path = data_dir / SERVE_INFO
    process = subprocess.Popen(serve_command(location, bind, timeout_s))

    def stop(signum: int, frame: FrameType | None) -> None:
        process.terminate()

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        wait_ready(url, process)
        info = {
            "pid": process.pid,
            "url": url,
            "location": str(location.resolve()),
            "timeout_s": timeout_s,
            "started": datetime.now(UTC).isoformat(),
        }
        tmp = info_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(info, indent=2) + "\n")
        tmp.replace(info_path)  # atomic: readers never see half a file
        print(f"pankg: serving {location} at {url}/ (query page), {url}/query (SPARQL)", flush=True)
        return process.wait()
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        try:
            if json.loads(info_path.read_text()).get("pid") == process.pid:
                info_path.unlink()
        except (OSError, ValueError):
            pass
        signal.signal(signal.SIGTERM, previous)
