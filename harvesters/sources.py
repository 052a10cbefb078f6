"""The sources registry (`sources.toml`): declared once, with types and defaults, validated at start-up."""

from __future__ import annotations

import logging
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path

log = logging.getLogger(__name__)

DEFAULT_SOURCES_FILE = Path("sources.toml")


class SourcesError(ValueError):
    """The registry file is unreadable or declares something we do not know."""


@dataclass(frozen=True)
class Source:
    id: str
    name: str
    protocol: str
    url: str
    metadata_prefix: str = "oai_datacite"
    set: str | None = None
    enabled: bool = True
    requests_per_second: float = 2.0
    timeout_seconds: float = 60.0
    retries: int = 5
    # Catalogue APIs (paged by skip): stop a listing after this many pages, whatever the server says.
    max_pages: int = 20_000
    # Quirk switches, named after the behaviour they handle.
    ignores_from: bool = False
    # A record larger than this (its metadata XML, MiB) is reported and skipped; the rest of its page is kept.
    max_record_mb: float = 10.0
    # Mass-deletion guard: set-difference deletions wait for a steward when more than this share of the
    # source's records, or more than this many, would go in one run.
    max_deletion_share: float = 0.20
    max_deletion_count: int = 1000

    @property
    def bookmark_key(self) -> str:
        """Bookmarks are kept per (source, set, metadata prefix)."""
        return f"{self.id}|{self.set or ''}|{self.metadata_prefix}"


_KNOWN_KEYS = {f.name for f in fields(Source)} - {"id"}

# Keys that once existed and now do nothing: accepted with a warning (so an old registry still runs), never
# silently. `no_deleted_records` promised set-difference deletions after a complete full pull, which every
# source gets; whether a provider reports deletions is read from its Identify answer at every run.
_RETIRED_KEYS = {
    "no_deleted_records": "deletions are found by set difference after every complete full pull, and a"
    " provider's deletedRecord policy is read from Identify at every run; remove the key",
}


def load_sources(path: Path | str = DEFAULT_SOURCES_FILE) -> dict[str, Source]:
    # Imported here: the protocol modules the registry collects import `Source` from this module.
    from harvesters.protocols import PROTOCOLS as protocols

    path = Path(path)
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SourcesError(f"cannot read sources registry {path}: {exc}") from exc
    sources: dict[str, Source] = {}
    for source_id, entry in table.items():
        if not isinstance(entry, dict):
            raise SourcesError(f"{path}: [{source_id}] must be a table")
        for key in sorted(set(entry) & set(_RETIRED_KEYS)):
            log.warning("%s: [%s] %s does nothing: %s", path, source_id, key, _RETIRED_KEYS[key])
            del entry[key]
        unknown = set(entry) - _KNOWN_KEYS
        if unknown:
            raise SourcesError(f"{path}: [{source_id}] has unknown keys: {', '.join(sorted(unknown))}")
        for required in ("name", "protocol", "url"):
            if required not in entry:
                raise SourcesError(f"{path}: [{source_id}] lacks '{required}'")
        if entry["protocol"] not in protocols:
            raise SourcesError(
                f"{path}: [{source_id}] protocol {entry['protocol']!r} is not one of {', '.join(protocols)}"
            )
        sources[source_id] = Source(id=source_id, **entry)
    return sources


def select_sources(sources: dict[str, Source], wanted: list[str] | None) -> list[Source]:
    """The named sources (in the order given), or every enabled one."""
    if not wanted:
        return [s for s in sources.values() if s.enabled]
    missing = [w for w in wanted if w not in sources]
    if missing:
        raise SourcesError(f"unknown source(s): {', '.join(missing)} (known: {', '.join(sources)})")
    return [sources[w] for w in wanted]
