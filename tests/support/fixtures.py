"""Fixtures shared by several test directories (registered as a plugin in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from harvesters.raw_store import RawStore


@pytest.fixture
def store(tmp_path: Path) -> Iterator[RawStore]:
    """An empty raw store in the test's directory. (tests/graph has its own `store`: a graph store.)"""
    with RawStore(tmp_path / "raw.sqlite") as raw_store:
        yield raw_store
