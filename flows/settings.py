"""Run-time settings shared by the CLI and the flows: where data lives, which registry to read."""

from __future__ import annotations

import os
from pathlib import Path

# Prefect runs offline here: no telemetry, no analytics (set before Prefect is imported).
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

from harvesters.locations import DATA_DIR_ENV, data_dir, raw_store_path  # noqa: F401  (declared there)

SOURCES_ENV = "PANKG_SOURCES"


def sources_file(value: str | Path | None = None) -> Path:
    return Path(value or os.environ.get(SOURCES_ENV) or "sources.toml")


def quarantine_path(directory: Path) -> Path:
    return directory / "quarantine.sqlite"


def base_iri() -> str:
    """Base of the IRIs we mint (datasets without a DOI, record graphs); $PANKG_BASE_IRI overrides."""
    from mappings.iris import DEFAULT_BASE_IRI

    return os.environ.get("PANKG_BASE_IRI") or DEFAULT_BASE_IRI


def public_endpoint() -> str:
    """The SPARQL endpoint URL announced in the catalogue graph; $PANKG_PUBLIC_ENDPOINT overrides."""
    return os.environ.get("PANKG_PUBLIC_ENDPOINT") or "http://127.0.0.1:7878/query"
