"""Run-time settings shared by the CLI and the flows: where data lives, which registry to read."""

from __future__ import annotations

import os
from pathlib import Path

# Prefect runs offline here: no telemetry, no analytics (set before Prefect is imported).
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

DATA_DIR_ENV = "PANKG_DATA_DIR"
SOURCES_ENV = "PANKG_SOURCES"


def data_dir(value: str | Path | None = None) -> Path:
    """`--data-dir`, else $PANKG_DATA_DIR, else ./data: everything the pipeline writes lives here."""
    return Path(value or os.environ.get(DATA_DIR_ENV) or "data")


def sources_file(value: str | Path | None = None) -> Path:
    return Path(value or os.environ.get(SOURCES_ENV) or "sources.toml")


def raw_store_path(directory: Path) -> Path:
    return directory / "raw.sqlite"
