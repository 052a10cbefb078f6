"""Real DataCite records (kernel 3 and 4 examples from ../shared/data/datacite) as a provider's records."""

from __future__ import annotations

from datetime import datetime, timedelta

from tests.support.oai_server import ServedRecord
from tests.support.shared_data import shared

BOM = b"\xef\xbb\xbf"


def datacite_resources() -> list[tuple[str, bytes]]:
    files = sorted(shared("datacite", "kernel-4").glob("*.xml")) + sorted(
        shared("datacite", "kernel-3").glob("*.xml")
    )
    return [(path.stem, path.read_bytes().removeprefix(BOM)) for path in files]


def served_records(start: datetime = datetime(2024, 1, 1)) -> list[ServedRecord]:
    """One record per real example, an hour apart, alternating between two sets."""
    return [
        ServedRecord(
            identifier=f"oai:pan-kg.test:{name}",
            datestamp=start + timedelta(hours=i),
            resource=resource,
            sets=["openaire_data" if i % 2 == 0 else "other"],
        )
        for i, (name, resource) in enumerate(datacite_resources())
    ]
