"""A saved OAI-PMH response page (ListRecords / GetRecord) as RawRecords, for the CLI and offline reruns.

The page is read by the harvester's own parser (`harvesters.oai_pmh.parse_saved_page`), so a saved page
gives the records and findings its harvest gave: a record without metadata, identifier or within the size
limit is skipped with a finding, never taken for a deletion.

The format of each record is read from its metadata element (the format registry's sniffer), not from the
request's metadataPrefix: real providers mislabel (DataCite's own GetRecord fixture asks for oai_dc and
returns oai_datacite). A payload no format claims keeps the requested prefix.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import replace

from harvesters.oai_pmh import OAI_ERRORS, parse_saved_page
from harvesters.records import Page, PageError, RawRecord
from mappings import sniff_format

# What fails a page in a harvest fails a saved page here.
_PAGE_FAILURES: tuple[type[Exception], ...] = (PageError, *OAI_ERRORS)


def read_page(data: bytes, source: str, url: str = "page") -> Page:
    """The page's records, each labelled with the format of its payload, and the harvester's findings.

    Raises ValueError for a page the harvester would fail (not OAI-PMH, hostile, an OAI error other than
    noRecordsMatch); `url` names the page in its messages."""
    try:
        page = parse_saved_page(data, url, source)
    except _PAGE_FAILURES as exc:  # the caller names the page: say only what is wrong with it
        raise ValueError(str(exc).removeprefix(f"{url}: ")) from None
    labelled = []
    for record in page.records:
        prefix = record.metadata_prefix
        if record.payload:
            # A payload no format claims keeps the requested prefix: the crosswalk names it as unknown.
            with suppress(ValueError):
                prefix = sniff_format(record.payload)
        labelled.append(
            replace(record, metadata_prefix=prefix) if prefix != record.metadata_prefix else record
        )
    page.records = labelled
    return page


def split_page(data: bytes, source: str) -> list[RawRecord]:
    """The records of a saved page (see `read_page`; its findings are dropped)."""
    return read_page(data, source).records
