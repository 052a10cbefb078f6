"""Reference data the pipeline needs once per run: the PaNET ontology (for technique matching, for the
SHACL checks, and as its own graph in the store)."""

from __future__ import annotations

import logging
import os
from functools import cache
from pathlib import Path

from mappings.panet import DEFAULT_PANET_URL, PanetIndex, _cached_download

log = logging.getLogger(__name__)

PANET_ENV = "PANKG_PANET"


def panet_source(value: str | None = None) -> str:
    """`--panet`, else $PANKG_PANET, else the published PaNET OWL."""
    return value or os.environ.get(PANET_ENV) or DEFAULT_PANET_URL


def resolve_panet(source: str, data_dir: Path) -> Path | None:
    """A local copy of PaNET (downloaded once into DATA_DIR/panet/), or None with a warning when it
    cannot be had: the run goes on without technique matching rather than failing every source."""
    try:
        if source.startswith(("http://", "https://")):
            return _cached_download(source, data_dir)
        path = Path(source)
        if not path.is_file():
            raise FileNotFoundError(path)
        return path
    except Exception as exc:
        log.warning("PaNET unavailable (%s): %s; techniques will not be assigned this run", source, exc)
        return None


@cache
def panet_index(path: Path | None) -> PanetIndex | None:
    return PanetIndex.load(path) if path is not None else None
