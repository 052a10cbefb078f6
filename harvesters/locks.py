"""One run per source at a time, across processes: `pankg harvest`, `remap`, a steward's `reharvest` and the
nightly run all take the same lock file, so a manual harvest cannot overlap the nightly run on a source
(two writers of one source's bookmark, pending marks and graphs would interleave their batches).

An OS file lock (`flock`): released by the kernel when the holder dies, so a killed run never leaves a
stale lock behind. The file says who holds it, for the message the second run prints.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote


class SourceBusyError(RuntimeError):
    """Another run of this source holds its lock."""


def lock_path(data_dir: Path, source_id: str) -> Path:
    return data_dir / "locks" / f"{quote(source_id, safe='')}.lock"


@contextmanager
def source_lock(data_dir: Path, source_id: str, purpose: str = "run") -> Iterator[None]:
    """Hold the source's lock for the block, or raise SourceBusyError at once naming the holder."""
    path = lock_path(Path(data_dir), source_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = path.open("a+", encoding="utf-8")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise SourceBusyError(
                f"another run of {source_id} is in progress ({holder}); wait for it or stop it first"
            ) from None
        handle.seek(0)
        handle.truncate()
        when = datetime.now(UTC).isoformat(timespec="seconds")
        handle.write(json.dumps({"pid": os.getpid(), "purpose": purpose, "since": when}))
        handle.flush()
        yield
    finally:
        handle.close()  # closing the descriptor releases the lock
