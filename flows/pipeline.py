"""Map, validate and load what a harvest changed: the stages after the raw store, for one source.

Only records whose payload (sha256) or mapping version changed since they were last processed are
touched; everything else is skipped. Each batch is mapped, validated in one call, loaded in one
transaction, and only then marked processed, so a crash or a failed load leaves the batch pending for
the next run and the store as it was.

Speed (see bench/RESULTS.md): mapping and validation are CPU-bound Python, so with `workers > 1` they run
in worker processes, several batches in flight, while this process loads the finished batches in their
original order. A source's first build into the embedded store (nothing processed, none of its graphs
present) goes through Oxigraph's bulk loader instead of one SPARQL update per batch.
"""

from __future__ import annotations

import copy
import itertools
import json
import logging
import multiprocessing
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import pyoxigraph

from graph.provenance import record_provenance
from graph.store import EmbeddedStore, GraphStore, StoreError
from harvesters.raw_store import RawStore
from harvesters.records import RawRecord
from mappings import MAPPING_VERSION, MappedRecord, MappingError, PanetIndex, crosswalk
from mappings.iris import DEFAULT_BASE_IRI, graph_iri
from shapes.quarantine import Entry, QuarantineStore
from shapes.report import completeness, outcome_row
from shapes.validate import Result, gate_fingerprint

log = logging.getLogger(__name__)


class Report(Protocol):
    status: str  # valid | warned | quarantined
    results: Sequence[Any]


Validator = Callable[[Sequence[MappedRecord]], Mapping[str, Report]]


# Provenance speaks PROV/our vocabulary; the validation gate speaks steward terms.
PROVENANCE_STATUS = {"valid": "valid", "warned": "warning"}

# transfer: reading a worker's results back in this process.
STAGES = ("read", "map", "validate", "transfer", "load", "bookkeeping")


class OutcomeLog:
    """The outcome rows of a run as JSON lines in a file, appended batch by batch."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._file = path.open("w", encoding="utf-8")

    def extend(self, rows: Iterable[dict[str, object]]) -> None:
        self._file.writelines(json.dumps(row) + "\n" for row in rows)
        self._file.flush()

    def close(self) -> None:
        self._file.close()

    @staticmethod
    def read(path: Path) -> list[dict[str, object]]:
        with path.open(encoding="utf-8") as lines:
            return [json.loads(line) for line in lines]


@dataclass
class ProcessSummary:
    source: str
    mapped: int = 0
    valid: int = 0
    warned: int = 0
    quarantined: int = 0
    loaded: int = 0
    deleted: int = 0
    failed: int = 0
    seconds: float = 0.0
    messages: list[str] = field(default_factory=list)
    # Wall and CPU seconds per stage (STAGES). With workers, map and validate are summed over them.
    stage_seconds: dict[str, float] = field(default_factory=lambda: dict.fromkeys(STAGES, 0.0))
    stage_cpu_seconds: dict[str, float] = field(default_factory=lambda: dict.fromkeys(STAGES, 0.0))
    quads_loaded: int = 0
    bulk: bool = False
    # One row per validated record for the quality report (kept out of `as_dict`: it can be large): a list,
    # or an `OutcomeLog` on disk so that a 600,000-record run holds none of them in memory.
    outcomes: list[dict[str, object]] | OutcomeLog = field(default_factory=list, repr=False)

    def as_dict(self) -> dict[str, object]:
        return {f.name: copy.deepcopy(getattr(self, f.name)) for f in fields(self) if f.name != "outcomes"}


@dataclass
class MappingFailure:
    """A record the crosswalk could not read, reported like a validation violation."""

    status: str
    results: list[Result]


class Stopwatch:
    """Adds the wall and CPU seconds since the last lap to a stage."""

    def __init__(self, wall: dict[str, float], cpu: dict[str, float]) -> None:
        self.wall, self.cpu = wall, cpu
        self.restart()

    def restart(self) -> None:
        self._wall, self._cpu = time.perf_counter(), time.process_time()

    def lap(self, stage: str) -> None:
        wall, cpu = time.perf_counter(), time.process_time()
        self.wall[stage] = self.wall.get(stage, 0.0) + wall - self._wall
        self.cpu[stage] = self.cpu.get(stage, 0.0) + cpu - self._cpu
        self._wall, self._cpu = wall, cpu


@dataclass
class CheckedBatch:
    """One batch after mapping and validation: what the load step needs."""

    batch: list[RawRecord]
    mapped: list[tuple[RawRecord, MappedRecord | TransferredRecord]]
    failures: list[tuple[RawRecord, MappingError]]
    reports: Mapping[str, Report]
    # The quality report's key-field flags per graph IRI, computed where the triples are objects already.
    flags: Mapping[str, dict[str, bool]] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)  # wall, per stage (map, validate)
    cpu_seconds: dict[str, float] = field(default_factory=dict)


def map_batch(
    records: Sequence[RawRecord], *, base_iri: str, panet: PanetIndex | None
) -> tuple[list[tuple[RawRecord, MappedRecord]], list[tuple[RawRecord, MappingError]]]:
    mapped, failed = [], []
    for record in records:
        try:
            mapped.append((record, crosswalk(record, base_iri=base_iri, panet=panet)))
        except MappingError as exc:
            failed.append((record, exc))
    return mapped, failed


def check_batch(
    batch: list[RawRecord], *, base_iri: str, panet: PanetIndex | None, validate: Validator
) -> CheckedBatch:
    """Map the live records of a batch, then validate them in one call."""
    seconds: dict[str, float] = {}
    cpu_seconds: dict[str, float] = {}
    clock = Stopwatch(seconds, cpu_seconds)
    mapped, failures = map_batch([r for r in batch if not r.deleted], base_iri=base_iri, panet=panet)
    clock.lap("map")
    reports = validate([m for _, m in mapped]) if mapped else {}
    flags = {m.graph_iri: completeness(m.triples, m.dataset_iri) for _, m in mapped}
    clock.lap("validate")
    return CheckedBatch(batch, mapped, failures, reports, flags, seconds, cpu_seconds)


# --- worker processes -------------------------------------------------------------------------------------
# pyoxigraph terms pickle slowly (~2 ms of CPU a record), so a worker sends each record's triples back as
# N-Triples bytes (Oxigraph serialises and parses them in Rust, blank node labels kept).

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
    return pyoxigraph.serialize(record.triples, format=_NT)


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


_NT = pyoxigraph.RdfFormat.N_TRIPLES


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


class HarvestSignal:
    """What a harvest running beside the processing tells it: how many records needing processing it has
    committed so far (`committed`, its `on_commit` callback), and that it has ended (`end`). Processing then
    reads the raw store only when a batch's worth has landed, and once more at the end."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self.landed = 0
        self.ended = False

    def committed(self, records: int) -> None:
        with self._condition:
            self.landed += records
            self._condition.notify_all()

    def end(self) -> None:
        with self._condition:
            self.ended = True
            self._condition.notify_all()

    def wait(self, landed_at_least: int) -> None:
        """Until `landed_at_least` records have landed or the harvest has ended."""
        with self._condition:
            self._condition.wait_for(lambda: self.ended or self.landed >= landed_at_least)


def processing_version(panet_path: Path | None) -> str:
    """The mapping version plus a fingerprint of the SHACL shapes and the PaNET release: all a record's
    outcome depends on besides its payload. The same inputs give the same outcome, so a quarantined record
    is validated again when its payload, the mapping, the shapes or PaNET change, not on every run; and a
    new shape or PaNET release re-checks every record, the loaded ones included."""
    return f"{MAPPING_VERSION}+{gate_fingerprint(ontology=panet_path)}"


def is_cold(source_id: str, raw: RawStore, graph: GraphStore, base_iri: str) -> bool:
    """A source's first build into the embedded store: nothing processed yet, none of its graphs and no
    provenance about them in the store. Only then may its batches skip the drop-and-replace."""
    if not isinstance(graph, EmbeddedStore) or raw.processed_counts(source_id):
        return False
    prefix = graph_iri(source_id, "", base_iri)
    if any(g.startswith(prefix) for g in graph.graph_iris()):
        return False
    literal = str(pyoxigraph.Literal(prefix))
    return not bool(
        graph.query(
            f"ASK {{ GRAPH <{graph.iris.provenance_graph}> {{ ?g ?p ?o }} FILTER(STRSTARTS(STR(?g), {literal})) }}"
        )
    )


def process_source(
    source_id: str,
    raw: RawStore,
    graph: GraphStore,
    quarantine: QuarantineStore,
    validate: Validator,
    *,
    panet: PanetIndex | None = None,
    base_iri: str = DEFAULT_BASE_IRI,
    run_iri: str | None = None,
    batch_size: int = 1000,
    identifiers: list[str] | None = None,
    workers: int = 1,
    bulk: bool | None = None,
    version: str = MAPPING_VERSION,
    harvest: HarvestSignal | None = None,
    outcomes: OutcomeLog | None = None,
) -> ProcessSummary:
    """Bring the graph in line with the raw store for one source (only what changed).

    With `harvest`, a harvest of the source is writing the raw store meanwhile: records are processed a
    batch at a time as its pages land, and the call returns once it has ended and everything pending is
    processed.

    `version` is what the outcome depends on besides the payload (`processing_version`): records processed
    under another version, and only those, are processed again, quarantined ones included.

    `workers` > 1 maps and validates in that many processes; `bulk` (default: when `is_cold`) loads new
    record graphs with Oxigraph's bulk loader instead of transactions."""
    started = time.monotonic()
    summary = ProcessSummary(source=source_id)
    if outcomes is not None:
        summary.outcomes = outcomes
    summary.bulk = is_cold(source_id, raw, graph, base_iri) if bulk is None else bulk
    clock = Stopwatch(summary.stage_seconds, summary.stage_cpu_seconds)

    in_flight: set[str] = set()  # handed to map/validate, not yet marked processed

    def read() -> Iterator[list[RawRecord]]:
        looked_at = 0  # records landed when the last pass started
        while True:
            if harvest is not None and not harvest.ended:
                harvest.wait(looked_at + batch_size)
                looked_at = harvest.landed
            # Read before the pass: once the harvest has ended, one more pass sees everything it wrote.
            final = harvest is None or harvest.ended
            waiting: list[RawRecord] = []
            pending = raw.pending(source_id, version, batch_size=batch_size, identifiers=identifiers)
            while True:
                clock.restart()
                page = next(pending, None)
                clock.lap("read")
                if page is None:
                    break
                waiting.extend(r for r in page if r.identifier not in in_flight)
                # While the harvest runs, only full batches; the rest waits for a later pass.
                while len(waiting) >= batch_size or (final and waiting):
                    batch, waiting = waiting[:batch_size], waiting[batch_size:]
                    in_flight.update(r.identifier for r in batch)
                    yield batch
            if final:
                return

    for checked in checked_batches(
        read(), base_iri=base_iri, panet=panet, validate=validate, workers=workers
    ):
        for stage in checked.seconds:
            summary.stage_seconds[stage] += checked.seconds[stage]
            summary.stage_cpu_seconds[stage] += checked.cpu_seconds[stage]
        failed_before = summary.failed
        load_batch(
            checked,
            source_id,
            raw,
            graph,
            quarantine,
            summary,
            base_iri=base_iri,
            run_iri=run_iri,
            version=version,
        )
        if summary.failed == failed_before:  # a batch that failed to load waits for the next run
            in_flight.difference_update(r.identifier for r in checked.batch)
    summary.seconds = time.monotonic() - started
    return summary


def load_batch(
    checked: CheckedBatch,
    source_id: str,
    raw: RawStore,
    graph: GraphStore,
    quarantine: QuarantineStore,
    summary: ProcessSummary,
    *,
    base_iri: str,
    run_iri: str | None,
    version: str = MAPPING_VERSION,
) -> None:
    """Load one checked batch (one transaction, or the bulk loader), quarantine what failed, then mark
    the batch processed."""
    batch, clock = checked.batch, Stopwatch(summary.stage_seconds, summary.stage_cpu_seconds)
    now = datetime.now(UTC)
    gone = [graph_iri(source_id, r.identifier, base_iri) for r in batch if r.deleted]
    summary.mapped += len(checked.mapped)

    to_load: list[tuple[RawRecord, MappedRecord, str]] = []
    to_quarantine: list[tuple[RawRecord, MappedRecord | None, Report]] = []
    for record, result in checked.mapped:
        report = checked.reports[result.graph_iri]
        if report.status == "quarantined":
            to_quarantine.append((record, result, report))
        else:
            to_load.append((record, result, report.status))
            summary.valid += report.status == "valid"
            summary.warned += report.status == "warned"
    for record, error in checked.failures:
        message = str(error)
        failure = MappingFailure(
            "quarantined", [Result("mapping", error.field, "", message, "Violation", "")]
        )
        to_quarantine.append((record, None, failure))

    summary.outcomes.extend(
        outcome_row(
            source_id,
            0,
            record.identifier,
            result,
            checked.reports[result.graph_iri],
            checked.flags.get(result.graph_iri),
        )
        for record, result in checked.mapped
    )
    summary.outcomes.extend(
        outcome_row(source_id, 0, record.identifier,
                    MappedRecord("", graph_iri(source_id, record.identifier, base_iri), []), failure)
        for record, mapped, failure in to_quarantine
        if mapped is None
    )  # fmt: skip
    provenance = [
        triple
        for record, result, status in to_load
        for triple in record_provenance(
            result.graph_iri,
            graph.iris,
            source=source_id,
            oai_identifier=record.identifier,
            datestamp=record.datestamp if _is_datestamp(record.datestamp) else now,
            harvested_at=now,
            raw_sha256=record.sha256,
            mapping_version=MAPPING_VERSION,
            validation_status=PROVENANCE_STATUS[status],
            run_iri=run_iri,
        )
    ]
    clock.lap("bookkeeping")
    try:
        if summary.bulk and isinstance(graph, EmbeddedStore) and not gone:
            # N-Triples straight into Oxigraph's bulk loader: no Python term objects on this path.
            summary.quads_loaded += graph.bulk_add_records(
                ((m.graph_iri, ntriples_of(m)) for _, m, _ in to_load), provenance=provenance
            )
        else:
            records = ((m.graph_iri, m.triples) for _, m, _ in to_load)
            summary.quads_loaded += graph.replace_records(records, provenance=provenance)
        deleted = graph.delete_records(gone, at=now) if gone else 0
        # A record whose new version is quarantined keeps its last valid version, flagged stale.
        graph.mark_stale([graph_iri(source_id, r.identifier, base_iri) for r, _, _ in to_quarantine], at=now)
    except StoreError as exc:
        # Nothing of this batch is marked processed: it stays pending for the next run.
        summary.failed += len(batch)
        summary.messages.append(f"load failed for a batch of {len(batch)}: {exc}")
        log.error("%s: load failed for a batch of %d records: %s", source_id, len(batch), exc)
        clock.lap("load")
        return
    summary.quads_loaded += len(provenance)
    summary.loaded += len(to_load)
    summary.deleted += deleted
    clock.lap("load")

    quarantine.put_many(
        Entry(
            source_id,
            record.identifier,
            graph_iri(source_id, record.identifier, base_iri),
            record.sha256,
            ntriples_of(result).decode() if result else "",
            list(report.results),
            result.dataset_iri if result else "",
        )
        for record, result, report in to_quarantine
    )
    # Loaded (now valid) or deleted at the source: nothing left to hold.
    quarantine.remove_many(
        source_id, [r.identifier for r, _, _ in to_load] + [r.identifier for r in batch if r.deleted]
    )
    summary.quarantined += len(to_quarantine)
    raw.mark_processed(
        [(source_id, r.identifier, r.sha256, version, "loaded", m.graph_iri) for r, m, _ in to_load]
        + [
            (
                source_id,
                r.identifier,
                r.sha256,
                version,
                "quarantined",
                graph_iri(source_id, r.identifier, base_iri),
            )
            for r, _, _ in to_quarantine
        ]
        + [
            (
                source_id,
                r.identifier,
                r.sha256,
                version,
                "deleted",
                graph_iri(source_id, r.identifier, base_iri),
            )
            for r in batch
            if r.deleted
        ]
    )
    clock.lap("bookkeeping")


def _is_datestamp(value: str) -> bool:
    from harvesters.oai_pmh import parse_datestamp

    return parse_datestamp(value) is not None
