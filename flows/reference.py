"""Reference data the pipeline needs once per run: the PaNET ontology (for technique matching, for the
SHACL checks, and as its own graph in the store)."""

from __future__ import annotations

import logging
from functools import cache
from pathlib import Path

from mappings.panet import PanetIndex, panet_file

log = logging.getLogger(__name__)


def resolve_panet(source: str, data_dir: Path) -> Path | None:
    """The local PaNET file (`--panet`, $PANKG_PANET or the published OWL, downloaded once into
    DATA_DIR/panet/), or None with a warning when it cannot be had: the run goes on without technique
    matching rather than failing every source."""
    try:
        path = panet_file(source, data_dir)
        if not path.is_file():
            raise FileNotFoundError(path)
        return path
    except Exception as exc:
        log.warning("PaNET unavailable (%s): %s; techniques will not be assigned this run", source, exc)
        return None


@cache
def panet_index(path: Path | None) -> PanetIndex | None:
    return PanetIndex.load(path) if path is not None else None
