"""Reading record files for the crosswalk without a harvest: one record of any registered format, or a
saved OAI-PMH page read with the harvester's own page parser (the same records and findings a harvest of
that page gives). The `pankg crosswalk` command is flows/cli/crosswalk.py."""

from __future__ import annotations

from pathlib import Path

from harvesters.records import RawRecord
from mappings import FORMATS, sniff_format
from mappings.oaipmh import read_page

# What `pankg crosswalk --format` offers: sniffing, or any registered metadata prefix.
FORMAT_CHOICES = ["auto", *sorted(FORMATS)]


def records_from_file(path: Path, fmt: str, source: str) -> tuple[list[RawRecord], list[str]]:
    """The file's records and the findings a harvest would report for it (a page's skipped records)."""
    data = path.read_bytes()
    kind = sniff_format(data) if fmt == "auto" else fmt
    if fmt != "auto" and sniff_format(data) == "oai-pmh":
        kind = "oai-pmh"
    if kind == "oai-pmh":
        page = read_page(data, source, url=str(path))
        records = page.records
        if fmt != "auto":  # an explicit --format overrides what the page says
            records = [RawRecord(r.source, r.identifier, r.datestamp, fmt, r.payload, r.deleted, r.sets)
                       for r in records]  # fmt: skip
        return records, list(page.findings)
    return [RawRecord(source, path.name, "", kind, data)], []
