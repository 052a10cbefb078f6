"""The flows here run in-process against a real, temporary Prefect server (Prefect's own test harness:
a fresh database per session), stopped at the end of the session while pytest's streams are still open."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from prefect.testing.utilities import prefect_test_harness


@pytest.fixture(scope="session", autouse=True)
def prefect_backend() -> Iterator[None]:
    with prefect_test_harness(server_startup_timeout=120):
        yield
