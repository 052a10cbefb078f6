"""The raw record: what every harvester yields and what the raw store keeps. No RDF here."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field


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
