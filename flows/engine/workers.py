"""Map and validate batches in worker processes, several in flight, results back in their original order.

pyoxigraph terms pickle slowly (~2 ms of CPU a record), so a worker sends each record's triples back as
N-Triples bytes (Oxigraph serialises and parses them in Rust, blank node labels kept): the transfer format.
"""

from __future__ import annotations

import itertools
import multiprocessing
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

import pyoxigraph

from flows.engine.batches import CheckedBatch, Validator, check_batch
from flows.engine.summary import Stopwatch
from harvesters.records import RawRecord
from mappings import MappedRecord, MappingError, PanetIndex

_NT = pyoxigraph.RdfFormat.N_TRIPLES

_WORKER: dict[str, Any] = {}


def _init_worker(base_iri: str, panet: PanetIndex | None, validate: Validator) -> None:
    _WORKER.update(base_iri=base_iri, panet=panet, validate=validate)


def _check_in_worker(batch: list[RawRecord]) -> tuple[Any, ...]:
    checked = check_batch(batch, **_WORKER)
    mapped = [
        (r.identifier, m.dataset_iri, m.graph_iri, pyoxigraph.serialize(m.triples, format=_NT))
        for r, m in checked.mapped
    ]
    failures = [(r.identifier, e.field, e.reason) for r, e in checked.failures]
    return mapped, failures, dict(checked.reports), dict(checked.flags), checked.seconds, checked.cpu_seconds


class TransferredRecord:
    """A mapped record as a worker sends it: N-Triples bytes, parsed only if something needs the triples (the
    bulk loader and the quarantine take the bytes as they are)."""

    __slots__ = ("_triples", "dataset_iri", "graph_iri", "ntriples")

    def __init__(self, dataset_iri: str, graph_iri: str, ntriples: bytes) -> None:
        self.dataset_iri, self.graph_iri, self.ntriples = dataset_iri, graph_iri, ntriples
        self._triples: list[pyoxigraph.Triple] | None = None

    @property
    def triples(self) -> list[pyoxigraph.Triple]:
        if self._triples is None:
            self._triples = [q.triple for q in pyoxigraph.parse(self.ntriples, _NT)]
        return self._triples


def ntriples_of(record: MappedRecord | TransferredRecord) -> bytes:
    if isinstance(record, TransferredRecord):
        return record.ntriples
    return pyoxigraph.serialize(record.triples, format=_NT) or b""


def _unpack(batch: list[RawRecord], packed: tuple[Any, ...]) -> CheckedBatch:
    mapped, failures, reports, flags, seconds, cpu_seconds = packed
    clock = Stopwatch(seconds, cpu_seconds)
    by_id = {r.identifier: r for r in batch}
    checked = CheckedBatch(
        batch,
        [(by_id[i], TransferredRecord(ds, g, nt)) for i, ds, g, nt in mapped],
        [(by_id[i], MappingError(i, fld, reason)) for i, fld, reason in failures],
        reports,
        flags,
        seconds,
        cpu_seconds,
    )
    clock.lap("transfer")
    return checked


def checked_batches(
    batches: Iterator[list[RawRecord]],
    *,
    base_iri: str,
    panet: PanetIndex | None,
    validate: Validator,
    workers: int,
) -> Iterator[CheckedBatch]:
    """Map and validate batches in order: here, or in `workers` processes with a few batches in flight.

    The pool is started only when a second batch exists (a small run pays no start-up)."""
    first = next(batches, None)
    if first is None:
        return
    second = next(batches, None) if workers > 1 else None
    if second is None:
        yield check_batch(first, base_iri=base_iri, panet=panet, validate=validate)
        for batch in batches:
            yield check_batch(batch, base_iri=base_iri, panet=panet, validate=validate)
        return
    # spawn, not fork: the parent runs Prefect's threads, and a forked lock can deadlock a child.
    with ProcessPoolExecutor(
        workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_init_worker,
        initargs=(base_iri, panet, validate),
    ) as pool:
        in_flight: deque[tuple[list[RawRecord], Future[tuple[Any, ...]]]] = deque()
        for batch in itertools.chain([first, second], batches):
            in_flight.append((batch, pool.submit(_check_in_worker, batch)))
            # Keep every worker busy and one batch queued, no more (memory stays flat).
            if len(in_flight) > workers:
                done, future = in_flight.popleft()
                yield _unpack(done, future.result())
        while in_flight:
            done, future = in_flight.popleft()
            yield _unpack(done, future.result())
