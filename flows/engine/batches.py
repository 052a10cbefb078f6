"""One batch through the crosswalk and the SHACL gate: map the live records, validate them in one call, and
compute the quality report's key-field flags where the triples are objects already."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from flows.engine.summary import Stopwatch
from harvesters.records import RawRecord
from mappings import MappedRecord, MappingError, PanetIndex, crosswalk
from shapes.report import completeness
from shapes.validate import Result

if TYPE_CHECKING:
    from flows.engine.workers import TransferredRecord


class Report(Protocol):
    """A record's verdict: the gate's `RecordReport`, or a `MappingFailure`."""

    @property
    def status(self) -> str: ...  # valid | warned | quarantined

    @property
    def results(self) -> Sequence[Result]: ...


Validator = Callable[[Sequence[MappedRecord]], Mapping[str, Report]]


@dataclass
class MappingFailure:
    """A record the crosswalk could not read, reported like a validation violation."""

    status: str
    results: list[Result]

    @classmethod
    def of(cls, error: MappingError) -> MappingFailure:
        return cls("quarantined", [Result("mapping", error.field, "", str(error), "Violation", "")])


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
    return CheckedBatch(batch, mapped, failures, reports, flags, seconds, cpu_seconds)  # type: ignore[arg-type]
