"""The raw record: what every harvester yields and what the raw store keeps. No RDF here."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from harvesters.http import PoliteSession
    from harvesters.sources import Source


def sha256_hex(payload: bytes) -> str:
    return hashlib.sha256(payload).hexdigest()


@dataclass(frozen=True, slots=True)
class RawRecord:
    """One record as the provider served it.

    `payload` is the metadata element's XML (OAI-PMH) or the item's JSON (catalogue APIs), as bytes;
    deleted records carry an empty payload.
    """

    source: str
    identifier: str
    datestamp: str
    metadata_prefix: str
    payload: bytes
    deleted: bool = False
    sets: tuple[str, ...] = ()
    sha256: str = field(default="")

    def __post_init__(self) -> None:
        if not self.sha256:
            object.__setattr__(self, "sha256", sha256_hex(self.payload))


DAY = "YYYY-MM-DD"
SECONDS = "YYYY-MM-DDThh:mm:ssZ"


class PageError(RuntimeError):
    """A page that cannot be used (not XML, not OAI-PMH, an OAI error other than noRecordsMatch)."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason


@dataclass(frozen=True)
class IdentifyInfo:
    repository_name: str = ""
    granularity: str = DAY
    deleted_record: str = "no"
    earliest_datestamp: str | None = None
    findings: tuple[str, ...] = ()


@dataclass
class Page:
    url: str
    records: list[RawRecord]
    token: str | None
    complete_list_size: int | None = None
    findings: list[str] = field(default_factory=list)
    # The listing ended early (e.g. a resumption token we had already followed): the window is incomplete.
    ended_early: bool = False
    # Identified records on this page that were reported and not stored (e.g. over the size limit): still
    # present at the provider, so a full pull must not count them as deletions.
    skipped: list[str] = field(default_factory=list)
    # Records we could not identify: the list is not known to be complete, so no set-difference deletions.
    unidentified: int = 0


@dataclass
class Window:
    """One selective-harvest request: `from_`/`until` as sent (None = unbounded)."""

    from_: str | None
    until: str | None


class HarvestClient(Protocol):
    """What every protocol module (`harvesters/<protocol>.py`) provides to the shared harvest logic.

    A client fetches and parses; it knows nothing of storage. It raises `PageError` or
    `harvesters.http.FetchError` for a page it cannot use (its own protocol errors may be listed in
    `errors`), so the harvest stage can fail the window cleanly.
    """

    errors: tuple[type[Exception], ...]
    # True for APIs without modification dates: every run is a full pull (deletions by set difference).
    full_pulls_only: bool

    def identify(self) -> IdentifyInfo: ...

    def list_records(self, window: Window) -> Iterator[Page]: ...

    def get_record(self, identifier: str) -> RawRecord | None: ...


@dataclass(frozen=True)
class HarvestProtocol:
    """What a protocol module (`harvesters/<protocol>.py`) declares as its `PROTOCOL`, for the registry
    (`harvesters.protocols`): the name a source gives as `protocol` in sources.toml, and how to make the
    client for one source."""

    name: str
    client: Callable[[Source, PoliteSession], HarvestClient]
