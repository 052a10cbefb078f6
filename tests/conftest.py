"""Shared fixtures (tests/support/fixtures.py) and the environment every test runs in: real data from
../shared/data, no telemetry."""

from __future__ import annotations

import os

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
# `pankg harvest` starts Prefect's temporary server; on a loaded machine it takes longer than the default 20 s
# (as tests/pipeline gives its harness 120 s).
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")

# The tests use the real PaNET release from ../shared/data rather than fetching the published copy.
from tests.support.shared_data import SHARED_DATA

os.environ.setdefault("PANKG_PANET", str(SHARED_DATA / "panet" / "PaNET-1.3.0.owl"))

pytest_plugins = ["tests.support.fixtures"]
