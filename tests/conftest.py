"""Shared fixtures: real loopback servers and real data from ../shared/data."""

from __future__ import annotations

import os

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

# The tests use the real PaNET release from ../shared/data rather than fetching the published copy.
from tests.support.shared_data import SHARED_DATA

os.environ.setdefault("PANKG_PANET", str(SHARED_DATA / "panet" / "PaNET-1.3.0.owl"))
