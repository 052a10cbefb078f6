"""Reading record files for the crosswalk: a DataCite / oai_dc / catalogue file, or a whole OAI-PMH page.
(The `pankg crosswalk` command itself lives in flows/cli/crosswalk.py.)"""

from __future__ import annotations

from pathlib import Path

from harvesters.records import RawRecord
from mappings import sniff_format
from mappings.oaipmh import split_page

FORMAT_CHOICES = [
    "auto",
    "datacite",
    "oai_datacite",
    "oai_dc",
    "panosc-document",
    "scicat-dataset",
    "scicat-published",
]


def records_from_file(path: Path, fmt: str, source: str) -> list[RawRecord]:
    data = path.read_bytes()
    kind = sniff_format(data) if fmt == "auto" else fmt
    if fmt != "auto" and sniff_format(data) == "oai-pmh":
        kind = "oai-pmh"
    if kind == "oai-pmh":
        records = split_page(data, source)
        if fmt != "auto":  # an explicit --format overrides what the page says
            records = [RawRecord(r.source, r.identifier, r.datestamp, fmt, r.payload, r.deleted, r.sets)
                       for r in records]  # fmt: skip
        return records
    return [RawRecord(source, path.name, "", kind, data)]
