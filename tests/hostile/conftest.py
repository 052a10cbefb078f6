"""Fixtures for the hostile-input suite: the real Zenodo recording on loopback, and a raw store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from harvesters.raw_store import RawStore
from tests.hostile.kit import Zenodo, recording
from tests.support.http_server import FastLoopbackServer


@pytest.fixture
def zenodo() -> Iterator[Zenodo]:
    rec = recording()
    with FastLoopbackServer(rec.app, path="/oai2d") as server:
        yield Zenodo(rec, server.url)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[RawStore]:
    with RawStore(tmp_path / "raw.sqlite") as raw_store:
        yield raw_store
