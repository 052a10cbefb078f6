"""Fixtures for the hostile-input suite: the real Zenodo recording on loopback (the raw store: tests/support)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.hostile.kit import Zenodo, recording
from tests.support.http_server import FastLoopbackServer


@pytest.fixture
def zenodo() -> Iterator[Zenodo]:
    rec = recording()
    with FastLoopbackServer(rec.app, path="/oai2d") as server:
        yield Zenodo(rec, server.url)
