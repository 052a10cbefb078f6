"""The loopback OAI-PMH source the harvest tests point at."""

from __future__ import annotations

from harvesters.sources import Source


def source_for(url: str, **quirks: object) -> Source:
    return Source(
        id="test",
        name="Test facility",
        protocol="oai-pmh",
        url=url,
        metadata_prefix="oai_datacite",
        requests_per_second=0,
        **quirks,
    )  # type: ignore[arg-type]
