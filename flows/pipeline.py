"""Map, validate and load what a harvest changed: the stages after the raw store, for one source.

Only records whose payload (sha256) or mapping version changed since they were last processed are
touched; everything else is skipped. Each batch is mapped, validated in one call, loaded in one
transaction, and only then marked processed, so a crash or a failed load leaves the batch pending for
the next run and the store as it was.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from graph.provenance import record_provenance
from graph.store import GraphStore, StoreError
from harvesters.raw_store import RawStore
from harvesters.records import RawRecord
from mappings import MAPPING_VERSION, MappedRecord, MappingError, PanetIndex, crosswalk
from mappings.iris import DEFAULT_BASE_IRI, graph_iri
from shapes.quarantine import Entry, QuarantineStore, to_ntriples

log = logging.getLogger(__name__)


class Report(Protocol):
    status: str  # valid | warned | quarantined
    results: Sequence[Any]


Validator = Callable[[Sequence[MappedRecord]], Mapping[str, Report]]


# Provenance speaks PROV/our vocabulary; the validation gate speaks steward terms.
PROVENANCE_STATUS = {"valid": "valid", "warned": "warning"}


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

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass
class MappingFailure:
    """A record the crosswalk could not read, reported like a validation violation."""

    status: str
    results: list[dict[str, str]]


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
) -> ProcessSummary:
    """Bring the graph in line with the raw store for one source (only what changed)."""
    clock = time.monotonic()
    summary = ProcessSummary(source=source_id)
    for batch in raw.pending(source_id, MAPPING_VERSION, batch_size=batch_size, identifiers=identifiers):
        now = datetime.now(UTC)
        live = [r for r in batch if not r.deleted]
        gone = [graph_iri(source_id, r.identifier, base_iri) for r in batch if r.deleted]
        mapped, mapping_failures = map_batch(live, base_iri=base_iri, panet=panet)
        summary.mapped += len(mapped)
        reports = validate([m for _, m in mapped]) if mapped else {}

        to_load: list[tuple[RawRecord, MappedRecord, str]] = []
        to_quarantine: list[tuple[RawRecord, MappedRecord | None, Report]] = []
        for record, result in mapped:
            report = reports[result.graph_iri]
            if report.status == "quarantined":
                to_quarantine.append((record, result, report))
            else:
                to_load.append((record, result, report.status))
                summary.valid += report.status == "valid"
                summary.warned += report.status == "warned"
        for record, error in mapping_failures:
            failure = MappingFailure(
                "quarantined",
                [
                    {
                        "severity": "Violation",
                        "shape": "mapping",
                        "path": error.field,
                        "value": "",
                        "message": str(error),
                    }
                ],
            )
            to_quarantine.append((record, None, failure))

        provenance = [
            triple
            for record, result, status in to_load
            for triple in record_provenance(
                result.graph_iri,
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
        try:
            graph.replace_records(((m.graph_iri, m.triples) for _, m, _ in to_load), provenance=provenance)
            deleted = graph.delete_records(gone, at=now) if gone else 0
            # A record whose new version is quarantined keeps its last valid version, flagged stale.
            graph.mark_stale(
                [graph_iri(source_id, r.identifier, base_iri) for r, _, _ in to_quarantine], at=now
            )
        except StoreError as exc:
            # Nothing of this batch is marked processed: it stays pending for the next run.
            summary.failed += len(batch)
            summary.messages.append(f"load failed for a batch of {len(batch)}: {exc}")
            log.error("%s: load failed for a batch of %d records: %s", source_id, len(batch), exc)
            continue
        summary.loaded += len(to_load)
        summary.deleted += deleted

        quarantine.put_many(
            Entry(
                source_id,
                record.identifier,
                graph_iri(source_id, record.identifier, base_iri),
                record.sha256,
                to_ntriples(result.triples) if result else "",
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
            [
                (source_id, r.identifier, r.sha256, MAPPING_VERSION, "loaded", m.graph_iri)
                for r, m, _ in to_load
            ]
            + [
                (
                    source_id,
                    r.identifier,
                    r.sha256,
                    MAPPING_VERSION,
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
                    MAPPING_VERSION,
                    "deleted",
                    graph_iri(source_id, r.identifier, base_iri),
                )
                for r in batch
                if r.deleted
            ]
        )
    summary.seconds = time.monotonic() - clock
    return summary


def _is_datestamp(value: str) -> bool:
    from harvesters.oai_pmh import parse_datestamp

    return parse_datestamp(value) is not None
