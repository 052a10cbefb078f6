"""A corpus of N DataCite records made by varying the real examples in ../shared/data/datacite
(identifier, title, dates), so that every record is distinct and realistic in size and shape."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta

from tests.harvest.corpus import datacite_resources
from tests.support.oai_server import ServedRecord

_IDENTIFIER = re.compile(rb"(<identifier identifierType=\"DOI\">)([^<]+)(</identifier>)")
_TITLE = re.compile(rb"(<title[^>]*>)([^<]+)(</title>)")


def vary(resource: bytes, n: int) -> bytes:
    resource = _IDENTIFIER.sub(lambda m: m[1] + m[2] + b".bench-%d" % n + m[3], resource, count=1)
    return _TITLE.sub(lambda m: m[1] + m[2] + b" (run %d)" % n + m[3], resource, count=1)


def bench_records(count: int, start: datetime = datetime(2024, 1, 1)) -> Iterator[ServedRecord]:
    examples = datacite_resources()
    for n in range(count):
        _name, resource = examples[n % len(examples)]
        yield ServedRecord(
            identifier=f"oai:pan-kg.bench:{n:07d}",
            datestamp=start + timedelta(seconds=n),
            resource=vary(resource, n),
            sets=["openaire_data"],
        )
