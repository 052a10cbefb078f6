"""Several runs opening a new store at the same moment (the nightly run, a steward's re-harvest and a
`pankg status`, each its own process) all get it: SQLite refuses a journal-mode change at once while
another process holds the lock, and the stores must wait their turn rather than crash the run (seen in a
worker running two sources side by side: "database is locked" from `PRAGMA journal_mode=WAL`)."""

from __future__ import annotations

import multiprocessing
from pathlib import Path
from typing import Any

import pytest

from harvesters.raw_store import RawStore
from shapes.outcomes import OutcomeStore
from shapes.quarantine import QuarantineStore

STORES = {"raw": (RawStore, "raw.sqlite"), "quarantine": (QuarantineStore, "quarantine.sqlite"),
          "outcomes": (OutcomeStore, "")}  # fmt: skip
PROCESSES = 6
ROUNDS = 15


def open_at_once(kind: str, path: str, barrier: Any, answers: Any) -> None:
    store_class, _ = STORES[kind]
    barrier.wait()
    try:
        with store_class(Path(path)):
            pass
        answers.put("opened")
    except Exception as exc:
        answers.put(repr(exc))


@pytest.mark.parametrize("kind", sorted(STORES))
def test_a_new_store_opened_by_several_processes_at_once(kind: str, tmp_path: Path) -> None:
    context = multiprocessing.get_context("fork")
    failures: list[str] = []
    for round_ in range(ROUNDS):
        directory = tmp_path / f"round-{round_}"
        directory.mkdir()
        _, name = STORES[kind]
        path = directory / name if name else directory
        barrier, answers = context.Barrier(PROCESSES), context.Queue()
        openers = [
            context.Process(target=open_at_once, args=(kind, str(path), barrier, answers))
            for _ in range(PROCESSES)
        ]
        for opener in openers:
            opener.start()
        for opener in openers:
            opener.join(timeout=120)
        failures += [a for a in (answers.get(timeout=10) for _ in openers) if a != "opened"]
    assert failures == []
