"""Typed date literals of the graph's own descriptions (provenance, tombstones, statistics)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from pyoxigraph import Literal

from mappings.vocab import XSD


def datetime_literal(value: datetime) -> Literal:
    """xsd:dateTime in UTC; naive datetimes are refused because a tombstone or bookmark without a zone
    is ambiguous across facilities."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"timezone-aware datetime required, got naive {value!r}")
    text = value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return Literal(text, datatype=XSD.dateTime)


def date_or_datetime_literal(value: str | date | datetime) -> Literal:
    """OAI-PMH datestamps come at day or second granularity; keep the granularity the source gave."""
    if isinstance(value, datetime):
        return datetime_literal(value)
    if isinstance(value, date):
        return Literal(value.isoformat(), datatype=XSD.date)
    text = value.strip()
    if len(text) == 10:
        date.fromisoformat(text)  # raises on garbage
        return Literal(text, datatype=XSD.date)
    return datetime_literal(datetime.fromisoformat(text.replace("Z", "+00:00")))
