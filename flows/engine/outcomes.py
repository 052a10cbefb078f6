"""The outcome rows of a batch: one per validated record (and per record the crosswalk could not read), for
the quality report. They go to a sink batch by batch (`shapes.outcomes.RunOutcomes` stores them where the
report reads them); the engine never holds a run's rows."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Protocol

from mappings import MappedRecord
from mappings.iris import graph_iri
from shapes.report import outcome_row

if TYPE_CHECKING:
    from flows.engine.batches import CheckedBatch, Report
    from harvesters.records import RawRecord


class OutcomeSink(Protocol):
    def extend(self, rows: Iterable[dict[str, object]], /) -> None: ...


def outcome_rows(
    checked: CheckedBatch,
    source_id: str,
    failures: Iterable[tuple[RawRecord, Report]],
    *,
    base_iri: str,
) -> Iterator[dict[str, object]]:
    """The rows of one checked batch: its mapped records, then the records that failed to map (`failures`,
    as the quarantine reports them). The run id is the sink's to set."""
    for record, result in checked.mapped:
        yield outcome_row(
            source_id,
            0,
            record.identifier,
            result,
            checked.reports[result.graph_iri],
            checked.flags.get(result.graph_iri),
        )
    for record, failure in failures:
        unmapped = MappedRecord("", graph_iri(source_id, record.identifier, base_iri), [])
        yield outcome_row(source_id, 0, record.identifier, unmapped, failure)
