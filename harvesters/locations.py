"""Where pan-kg keeps what it writes: the data directory (`--data-dir`, else $PANKG_DATA_DIR, else ./data)
and the raw store in it. Declared in the lowest layer so that the commands of every layer find the same
place."""

from __future__ import annotations

import os
from pathlib import Path

DATA_DIR_ENV = "PANKG_DATA_DIR"
RAW_STORE_FILE = "raw.sqlite"


def data_dir(value: str | Path | None = None) -> Path:
    """`--data-dir`, else $PANKG_DATA_DIR, else ./data: everything the pipeline writes lives here."""
    return Path(value or os.environ.get(DATA_DIR_ENV) or "data")


def raw_store_path(directory: Path) -> Path:
    return directory / RAW_STORE_FILE
