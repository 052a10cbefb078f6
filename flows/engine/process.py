"""Map, validate and load what a harvest changed: the stages after the raw store, for one source.

Only records whose payload (sha256) or processing version changed since they were last processed are
touched; everything else is skipped. Each batch is mapped, validated in one call, loaded in one
transaction, and only then marked processed, so a crash or a failed load leaves the batch pending for
the next run and the store as it was.

Speed (see bench/RESULTS.md): mapping and validation are CPU-bound Python, so with `workers > 1` they run
in worker processes (`workers.py`), several batches in flight, while this process loads the finished
batches in their original order. A source's first build into the embedded store (`is_cold`) goes through
Oxigraph's bulk loader instead of one SPARQL update per batch.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph

from flows.engine.batches import Validator
from flows.engine.load import load_batch
from flows.engine.outcomes import OutcomeSink
from flows.engine.signal import HarvestSignal
from flows.engine.summary import ProcessSummary, Stopwatch
from flows.engine.workers import checked_batches
from graph.store import EmbeddedStore, GraphStore
from harvesters.raw_store import RawStore
from harvesters.records import RawRecord
from mappings import MAPPING_VERSION, PanetIndex
from mappings.iris import DEFAULT_BASE_IRI, graph_iri
from shapes.quarantine import QuarantineStore
from shapes.validate import gate_fingerprint


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


def pending_batches(
    source_id: str,
    raw: RawStore,
    *,
    version: str,
    batch_size: int,
    identifiers: list[str] | None,
    harvest: HarvestSignal | None,
    in_flight: set[str],
    clock: Stopwatch,
) -> Iterator[list[RawRecord]]:
    """Batches of pending records, each handed out once (`in_flight` until loaded). With `harvest`, a pass
    over the raw store waits until a batch's worth has landed and hands out full batches only, until the
    harvest has ended; one more pass then sees everything it wrote."""
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
    outcomes: OutcomeSink | None = None,
) -> ProcessSummary:
    """Bring the graph in line with the raw store for one source (only what changed).

    With `harvest`, a harvest of the source is writing the raw store meanwhile: records are processed a
    batch at a time as its pages land, and the call returns once it has ended and everything pending is
    processed.

    `version` is what the outcome depends on besides the payload (`processing_version`): records processed
    under another version, and only those, are processed again, quarantined ones included.

    `workers` > 1 maps and validates in that many processes; `bulk` (default: when `is_cold`) loads new
    record graphs with Oxigraph's bulk loader instead of transactions. `outcomes` receives the quality
    report's rows batch by batch (default: a list in the summary)."""
    started = time.monotonic()
    summary = ProcessSummary(source=source_id)
    if outcomes is not None:
        summary.outcomes = outcomes
    summary.bulk = is_cold(source_id, raw, graph, base_iri) if bulk is None else bulk
    clock = Stopwatch(summary.stage_seconds, summary.stage_cpu_seconds)
    in_flight: set[str] = set()  # handed to map/validate, not yet marked processed
    batches = pending_batches(
        source_id,
        raw,
        version=version,
        batch_size=batch_size,
        identifiers=identifiers,
        harvest=harvest,
        in_flight=in_flight,
        clock=clock,
    )
    for checked in checked_batches(
        batches, base_iri=base_iri, panet=panet, validate=validate, workers=workers
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
