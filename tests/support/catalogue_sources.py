"""Sources (and the HTTP policy) for harvesting the loopback catalogue APIs of tests/support/catalogue_servers."""

from __future__ import annotations

from harvesters.http import HttpPolicy
from harvesters.sources import Source

POLICY = HttpPolicy(retries=1, backoff_factor=0.01, requests_per_second=0)


def panosc_source(source_id: str, url: str) -> Source:
    return Source(
        id=source_id,
        name=source_id,
        protocol="panosc-api",
        url=url + "api",
        metadata_prefix="panosc-document",
    )


def scicat_source(source_id: str, url: str) -> Source:
    return Source(
        id=source_id, name=source_id, protocol="scicat", url=url + "api/v3", metadata_prefix="scicat"
    )
