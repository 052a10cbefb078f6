"""Fixtures for the hostile-input suite: the real Zenodo recording on loopback, and a raw store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from harvesters.raw_store import RawStore
from tests.hostile.kit import FastLoopbackServer, pages, recording
from tests.support.replay import Query, Recording


class Zenodo:
    def __init__(self, rec: Recording, url: str) -> None:
        self.rec = rec
        self.url = url
        self.page1, self.page2, self.page3 = pages(rec)

    def body(self, key: Query) -> bytes:
        return self.rec.replies[key].body


@pytest.fixture
def zenodo() -> Iterator[Zenodo]:
    rec = recording()
    with FastLoopbackServer(rec.app, path="/oai2d") as server:
        yield Zenodo(rec, server.url)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[RawStore]:
    with RawStore(tmp_path / "raw.sqlite") as raw_store:
        yield raw_store
