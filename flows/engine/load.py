"""Load one checked batch: sort its records by verdict, replace their graphs (one transaction, or the bulk
loader on a first build), quarantine what failed, then mark the batch processed. A failed load marks
nothing, so the batch stays pending for the next run and the store stays as it was."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pyoxigraph

from flows.engine.batches import CheckedBatch, MappingFailure, Report
from flows.engine.outcomes import outcome_rows
from flows.engine.summary import ProcessSummary, Stopwatch
from flows.engine.workers import TransferredRecord, ntriples_of
from graph.iris import NodeIris
from graph.provenance import record_provenance
from graph.store import EmbeddedStore, GraphStore, StoreError
from harvesters.oai_pmh import parse_datestamp
from harvesters.raw_store import RawStore
from harvesters.records import RawRecord
from mappings import MAPPING_VERSION, MappedRecord
from mappings.iris import graph_iri
from shapes.quarantine import Entry, QuarantineStore

log = logging.getLogger(__name__)

# Provenance speaks PROV/our vocabulary; the validation gate speaks steward terms.
PROVENANCE_STATUS = {"valid": "valid", "warned": "warning"}

Mapped = MappedRecord | TransferredRecord


@dataclass
class Verdicts:
    """A batch sorted for loading: records to load (with their status), to quarantine (with their report;
    no mapped record if the crosswalk failed), and deleted at the source."""

    to_load: list[tuple[RawRecord, Mapped, str]] = field(default_factory=list)
    to_quarantine: list[tuple[RawRecord, Mapped | None, Report]] = field(default_factory=list)
    deleted: list[RawRecord] = field(default_factory=list)


def sort_verdicts(checked: CheckedBatch) -> Verdicts:
    verdicts = Verdicts(deleted=[r for r in checked.batch if r.deleted])
    for record, result in checked.mapped:
        report = checked.reports[result.graph_iri]
        if report.status == "quarantined":
            verdicts.to_quarantine.append((record, result, report))
        else:
            verdicts.to_load.append((record, result, report.status))
    for record, error in checked.failures:
        verdicts.to_quarantine.append((record, None, MappingFailure.of(error)))
    return verdicts


def provenance_of(
    to_load: list[tuple[RawRecord, Mapped, str]],
    source_id: str,
    run_iri: str | None,
    now: datetime,
    iris: NodeIris,
) -> list[pyoxigraph.Triple]:
    """Each loaded record's provenance: where it came from, which payload, mapping and verdict."""
    return [
        triple
        for record, result, status in to_load
        for triple in record_provenance(
            result.graph_iri,
            iris,
            source=source_id,
            oai_identifier=record.identifier,
            datestamp=record.datestamp if parse_datestamp(record.datestamp) is not None else now,
            harvested_at=now,
            raw_sha256=record.sha256,
            mapping_version=MAPPING_VERSION,
            validation_status=PROVENANCE_STATUS[status],
            run_iri=run_iri,
        )
    ]


def replace_graphs(
    graph: GraphStore,
    verdicts: Verdicts,
    provenance: list[pyoxigraph.Triple],
    *,
    source_id: str,
    base_iri: str,
    bulk: bool,
    now: datetime,
) -> tuple[int, int]:
    """Replace the loaded records' graphs, drop the deleted ones, flag the quarantined ones stale; returns
    (quads written, graphs deleted). Raises StoreError with nothing of the batch marked."""
    gone = [graph_iri(source_id, r.identifier, base_iri) for r in verdicts.deleted]
    if bulk and isinstance(graph, EmbeddedStore) and not gone:
        # N-Triples straight into Oxigraph's bulk loader: no Python term objects on this path.
        quads = graph.bulk_add_records(
            ((m.graph_iri, ntriples_of(m)) for _, m, _ in verdicts.to_load), provenance=provenance
        )
    else:
        records = ((m.graph_iri, m.triples) for _, m, _ in verdicts.to_load)
        quads = graph.replace_records(records, provenance=provenance)
    deleted = graph.delete_records(gone, at=now) if gone else 0
    # A record whose new version is quarantined keeps its last valid version, flagged stale.
    stale = [graph_iri(source_id, r.identifier, base_iri) for r, _, _ in verdicts.to_quarantine]
    graph.mark_stale(stale, at=now)
    return quads, deleted


def update_quarantine(
    quarantine: QuarantineStore, verdicts: Verdicts, *, source_id: str, base_iri: str
) -> None:
    """Hold what failed; release what loaded (now valid) or was deleted at the source."""
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
        for record, result, report in verdicts.to_quarantine
    )
    released = [r.identifier for r, _, _ in verdicts.to_load] + [r.identifier for r in verdicts.deleted]
    quarantine.remove_many(source_id, released)


def mark_processed(raw: RawStore, verdicts: Verdicts, *, source_id: str, base_iri: str, version: str) -> None:
    """The batch done under `version`: it is not pending again until its payload or the version changes."""

    def iri(record: RawRecord) -> str:
        return graph_iri(source_id, record.identifier, base_iri)

    raw.mark_processed(
        [(source_id, r.identifier, r.sha256, version, "loaded", m.graph_iri) for r, m, _ in verdicts.to_load]
        + [
            (source_id, r.identifier, r.sha256, version, "quarantined", iri(r))
            for r, _, _ in verdicts.to_quarantine
        ]
        + [(source_id, r.identifier, r.sha256, version, "deleted", iri(r)) for r in verdicts.deleted]
    )


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
    clock = Stopwatch(summary.stage_seconds, summary.stage_cpu_seconds)
    now = datetime.now(UTC)
    verdicts = sort_verdicts(checked)
    summary.mapped += len(checked.mapped)
    summary.valid += sum(status == "valid" for _, _, status in verdicts.to_load)
    summary.warned += sum(status == "warned" for _, _, status in verdicts.to_load)
    unmapped = [(record, report) for record, result, report in verdicts.to_quarantine if result is None]
    summary.outcomes.extend(outcome_rows(checked, source_id, unmapped, base_iri=base_iri))
    provenance = provenance_of(verdicts.to_load, source_id, run_iri, now, graph.iris)
    clock.lap("bookkeeping")
    try:
        quads, deleted = replace_graphs(
            graph, verdicts, provenance, source_id=source_id, base_iri=base_iri, bulk=summary.bulk, now=now
        )
    except StoreError as exc:
        # Nothing of this batch is marked processed: it stays pending for the next run.
        summary.failed += len(checked.batch)
        summary.messages.append(f"load failed for a batch of {len(checked.batch)}: {exc}")
        log.error("%s: load failed for a batch of %d records: %s", source_id, len(checked.batch), exc)
        clock.lap("load")
        return
    summary.quads_loaded += quads + len(provenance)
    summary.loaded += len(verdicts.to_load)
    summary.deleted += deleted
    clock.lap("load")
    update_quarantine(quarantine, verdicts, source_id=source_id, base_iri=base_iri)
    summary.quarantined += len(verdicts.to_quarantine)
    mark_processed(raw, verdicts, source_id=source_id, base_iri=base_iri, version=version)
    clock.lap("bookkeeping")
