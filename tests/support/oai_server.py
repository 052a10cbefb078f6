"""A real OAI-PMH 2.0 provider for tests and benchmarks: the `oaipmh` package's BatchingServer (ETH
Library's maintained pyoai) over an in-memory, mutable list of records, behind a small WSGI app.

Records are real metadata (DataCite XML from ../shared/data); the provider wraps them as its format
requires (`oai_datacite` payload wrapper, or the bare `datacite` resource).
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

from lxml import etree
from oaipmh import common, error, metadata, server

OAI_DATACITE_NS = "http://schema.datacite.org/oai/oai-1.1/"


@dataclass
class ServedRecord:
    identifier: str
    datestamp: datetime  # naive UTC, as pyoai wants
    resource: bytes  # the DataCite <resource> XML
    sets: list[str] = field(default_factory=list)
    deleted: bool = False


def _write_oai_datacite(element: etree._Element, resource: bytes) -> None:
    wrapper = etree.SubElement(element, f"{{{OAI_DATACITE_NS}}}oai_datacite", nsmap={None: OAI_DATACITE_NS})
    etree.SubElement(wrapper, f"{{{OAI_DATACITE_NS}}}schemaVersion").text = "4"
    etree.SubElement(wrapper, f"{{{OAI_DATACITE_NS}}}datacentreSymbol").text = "PANKG.TEST"
    payload = etree.SubElement(wrapper, f"{{{OAI_DATACITE_NS}}}payload")
    payload.append(etree.fromstring(resource))


def _write_datacite(element: etree._Element, resource: bytes) -> None:
    element.append(etree.fromstring(resource))


class RecordSet:
    """The provider's side (pyoai IBatchingOAI): records filtered by set and datestamp, in stable order."""

    def __init__(
        self, records: list[ServedRecord], *, deleted_record: str = "persistent", ignore_from: bool = False
    ) -> None:
        self.records = records
        self.deleted_record = deleted_record
        self.ignore_from = ignore_from
        self.lock = threading.Lock()

    def earliest_datestamp(self) -> datetime:
        return min((r.datestamp for r in self.records), default=datetime(2000, 1, 1))

    def identify(self) -> common.Identify:
        # pyoai asks for this on every request (the bench overrides the scan of every record).
        earliest = self.earliest_datestamp()
        return common.Identify(
            repositoryName="pan-kg test provider",
            baseURL="http://127.0.0.1/oai",
            protocolVersion="2.0",
            adminEmails=["nobody@example.org"],
            earliestDatestamp=earliest,
            deletedRecord=self.deleted_record,
            granularity="YYYY-MM-DDThh:mm:ssZ",
            compression=["identity"],
        )

    def _header(self, record: ServedRecord) -> common.Header:
        return common.Header(None, record.identifier, record.datestamp, record.sets, record.deleted)

    def _select(
        self,
        set: str | None = None,
        from_: datetime | None = None,
        until: datetime | None = None,
        cursor: int = 0,
        batch_size: int | None = None,
    ) -> list[ServedRecord]:
        """One page of the matching records. Without a set or date filter the page is a slice (the bench
        serves 600,000 records: scanning them all for every page would be quadratic); with one, the scan
        stops at the end of the page."""
        stop = None if batch_size is None else cursor + batch_size
        with self.lock:
            dated = not self.ignore_from and (from_ is not None or until is not None)
            if not set and not dated:
                return list(self.records[cursor:stop])
            chosen = (
                record
                for record in self.records
                if not (set and set not in record.sets)
                and not (dated and from_ and record.datestamp < from_)
                and not (dated and until and record.datestamp > until)
            )
            return list(itertools.islice(chosen, cursor, stop))

    def listRecords(
        self,
        metadataPrefix: str,
        set: str | None = None,
        from_: datetime | None = None,
        until: datetime | None = None,
        cursor: int = 0,
        batch_size: int = 10,
    ) -> list[Any]:
        if metadataPrefix not in ("oai_datacite", "datacite"):
            raise error.CannotDisseminateFormatError(metadataPrefix)
        chosen = self._select(set, from_, until, cursor, batch_size)
        return [(self._header(r), r.resource, None) for r in chosen]

    def listIdentifiers(
        self,
        metadataPrefix: str,
        set: str | None = None,
        from_: datetime | None = None,
        until: datetime | None = None,
        cursor: int = 0,
        batch_size: int = 10,
    ) -> list[Any]:
        return [self._header(r) for r in self._select(set, from_, until, cursor, batch_size)]

    def getRecord(self, metadataPrefix: str, identifier: str) -> Any:
        for record in self.records:
            if record.identifier == identifier:
                return self._header(record), record.resource, None
        raise error.IdDoesNotExistError(identifier)

    def listMetadataFormats(self, identifier: str | None = None) -> list[tuple[str, str, str]]:
        return [
            ("oai_datacite", "http://schema.datacite.org/oai/oai-1.1/oai.xsd", OAI_DATACITE_NS),
            (
                "datacite",
                "http://schema.datacite.org/meta/kernel-4/metadata.xsd",
                "http://datacite.org/schema/kernel-4",
            ),
        ]

    def listSets(self, cursor: int = 0, batch_size: int = 10) -> list[tuple[str, str, str]]:
        names = sorted({s for r in self.records for s in r.sets})
        return [(name, name, "") for name in names][cursor : cursor + batch_size]


def oai_app(record_set: RecordSet, page_size: int = 10) -> Any:
    """WSGI app answering OAI-PMH GET and POST requests from `record_set`, `page_size` records a page."""
    registry = metadata.MetadataRegistry()
    registry.registerWriter("oai_datacite", _write_oai_datacite)
    registry.registerWriter("datacite", _write_datacite)
    provider = server.BatchingServer(record_set, metadata_registry=registry, resumption_batch_size=page_size)

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        query = environ.get("QUERY_STRING", "")
        if environ.get("REQUEST_METHOD") == "POST":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            query = environ["wsgi.input"].read(length).decode("utf-8")
        body = provider.handleRequest(dict(parse_qsl(query, keep_blank_values=True)))
        start_response(
            "200 OK", [("Content-Type", "text/xml; charset=utf-8"), ("Content-Length", str(len(body)))]
        )
        return [body]

    return app
