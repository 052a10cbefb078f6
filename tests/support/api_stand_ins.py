"""The standalone stand-ins of the PaN search API and SciCat (../shared/tools, see API_SERVERS.md), run as real
HTTP servers in a child process on a free loopback port."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from tests.support.shared_data import REPO

TOOLS = REPO.parent / "shared" / "tools"
PANOSC_API_SERVER = TOOLS / "panosc_api_server.py"
SCICAT_API_SERVER = TOOLS / "scicat_api_server.py"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class StandIn:
    """`with StandIn(PANOSC_API_SERVER, db_json) as api: api.url` -> http://127.0.0.1:PORT/ once it answers."""

    def __init__(self, server: Path, data: Path, *flags: str, start_timeout: float = 30.0) -> None:
        if not server.exists():
            raise FileNotFoundError(
                f"{server} is missing: the tests run the API stand-ins of ../shared/tools"
            )
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self._process = subprocess.Popen(
            [sys.executable, str(server), str(data), "--port", str(self.port), "--quiet", *flags],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + start_timeout
        while True:
            try:
                requests.get(self.url, timeout=1)
                return
            except requests.ConnectionError:
                if self._process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"{server.name} did not start: {self._stderr()}") from None
                time.sleep(0.05)

    def _stderr(self) -> str:
        return self._process.stderr.read().decode(errors="replace") if self._process.stderr else ""

    def stop(self) -> None:
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        if self._process.stderr:
            self._process.stderr.close()

    def __enter__(self) -> StandIn:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
