"""One contract provider per registered protocol: a real server holding real records, behind a loopback proxy
that can fail mid-listing, with a way to delete a record at the source and an oracle for what the source holds.

- oai-pmh: the pyoai provider of tests/support/oai_server.py over the DataCite corpus, 4 records a page;
- panosc-api: the PaN search API stand-in (../shared/tools) over the ESS reference database;
- scicat: the SciCat stand-in (../shared/tools) over the SciCatLive seeds.

The oracle asks the server itself for everything in one request, independently of the harvester's paging.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import pytest
import requests

from harvesters.panosc_api import DOCUMENT_INCLUDE, PanoscApiClient
from harvesters.scicat import SciCatClient
from harvesters.sources import Source
from tests.support.api_stand_ins import PANOSC_API_SERVER, SCICAT_API_SERVER, StandIn
from tests.support.corpus import served_records
from tests.support.http_server import LoopbackServer
from tests.support.oai_server import RecordSet, oai_app
from tests.support.shared_data import shared


@dataclass
class FaultProxy:
    """Forwards every request to `upstream` (scheme://host:port); once `fail_after(n)` is set, every request
    past the n-th of this proxy's life is answered HTTP 500 until `heal()`. `served` counts them all."""

    upstream: str = ""
    served: int = 0
    failing_after: int | None = None
    _session: requests.Session = field(default_factory=requests.Session)

    def fail_after(self, n: int) -> None:
        self.failing_after = self.served + n

    def heal(self) -> None:
        self.failing_after = None

    def app(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        self.served += 1
        if self.failing_after is not None and self.served > self.failing_after:
            start_response("500 Internal Server Error", [("Content-Type", "text/plain")])
            return [b"injected outage"]
        query = environ.get("QUERY_STRING", "")
        url = self.upstream.rstrip("/") + environ.get("PATH_INFO", "/") + (f"?{query}" if query else "")
        answer = self._session.get(url, timeout=60)
        headers = [(k, v) for k, v in answer.headers.items() if k.lower() == "content-type"]
        start_response(f"{answer.status_code} {answer.reason}", headers)
        return [answer.content]


class ContractProvider(Protocol):
    proxy: FaultProxy
    page_size: int  # records a listing page holds (the client's or the server's)

    def source(self) -> Source: ...

    def identifiers(self) -> set[str]:
        """The raw-store identifiers of every live record the source holds now."""
        ...

    def delete_one(self) -> str:
        """Delete one record at the source; returns its raw-store identifier."""
        ...


ProviderFactory = Callable[[Path, pytest.MonkeyPatch], AbstractContextManager[ContractProvider]]


@contextmanager
def proxied(upstream: str) -> Iterator[tuple[FaultProxy, str]]:
    proxy = FaultProxy(upstream)
    with LoopbackServer(proxy.app) as server:
        yield proxy, server.url


# --- oai-pmh --------------------------------------------------------------------------------------------


@dataclass
class OaiProvider:
    records: RecordSet
    proxy: FaultProxy
    url: str
    page_size: int = 4

    def source(self) -> Source:
        return Source(
            id="contract-oai", name="OAI-PMH contract", protocol="oai-pmh", url=self.url,
            metadata_prefix="oai_datacite", requests_per_second=0,
        )  # fmt: skip

    def identifiers(self) -> set[str]:
        return {r.identifier for r in self.records.records if not r.deleted}

    def delete_one(self) -> str:
        # A deleted header, stamped now (deletedRecord=persistent): what an incremental harvest sees.
        record = next(r for r in self.records.records[5:] if not r.deleted)
        record.deleted = True
        record.datestamp = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
        return record.identifier


@contextmanager
def oai_provider(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[OaiProvider]:
    records = RecordSet(served_records())
    with (
        LoopbackServer(oai_app(records, page_size=OaiProvider.page_size)) as server,
        proxied(server.url) as (proxy, url),
    ):
        yield OaiProvider(records, proxy, url)


# --- catalogue APIs: the stand-ins of ../shared/tools, restarted on edited data for a deletion ----------


@dataclass
class StandInProvider:
    """A stand-in behind the proxy; `data` is this test's copy of the real data the stand-in serves."""

    server: Path
    data: Path
    proxy: FaultProxy
    url: str
    page_size: int
    make_source: Callable[[str], Source]
    list_all: Callable[[str], set[str]]  # upstream base URL -> identifiers, in one request
    delete: Callable[[Path], str]  # edit `data` in place, return the raw identifier removed
    running: StandIn | None = None

    def start(self) -> None:
        """(Re)start the stand-in on `data`; the proxy's URL, hence the source's, stays the same."""
        if self.running is not None:
            self.running.stop()
        self.running = StandIn(self.server, self.data)
        self.proxy.upstream = self.running.url

    def stop(self) -> None:
        if self.running is not None:
            self.running.stop()

    def source(self) -> Source:
        return self.make_source(self.url)

    def identifiers(self) -> set[str]:
        return self.list_all(self.proxy.upstream)

    def delete_one(self) -> str:
        removed = self.delete(self.data)
        self.start()  # the stand-ins read their data once, at start-up
        return removed


@contextmanager
def serving(
    server: Path,
    data: Path,
    page_size: int,
    make_source: Callable[[str], Source],
    *,
    list_all: Callable[[str], set[str]],
    delete: Callable[[Path], str],
) -> Iterator[StandInProvider]:
    """The stand-in `server` on `data`, behind a fault proxy, stopped at the end."""
    with proxied("") as (proxy, url):
        provider = StandInProvider(server, data, proxy, url, page_size, make_source, list_all, delete)
        try:
            provider.start()
            yield provider
        finally:
            provider.stop()


def _get_json(url: str, flt: dict[str, Any]) -> Any:
    answer = requests.get(url, params={"filter": json.dumps(flt)}, timeout=60)
    answer.raise_for_status()
    return answer.json()


def _panosc_documents(upstream: str) -> set[str]:
    docs = _get_json(upstream + "api/Documents", {"include": DOCUMENT_INCLUDE, "limit": 10_000})
    return {d["pid"] for d in docs}


def _delete_panosc_document(db: Path) -> str:
    content = json.loads(db.read_text(encoding="utf-8"))
    documents = content["models"]["Document"]
    key = sorted(documents)[0]
    row = documents.pop(key)
    db.write_text(json.dumps(content), encoding="utf-8")
    return str((json.loads(row) if isinstance(row, str) else row)["pid"])


@contextmanager
def panosc_provider(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[StandInProvider]:
    # The ESS database: the largest whose documents all survive the API's scoped include (3 documents),
    # so one document a page makes three pages.
    monkeypatch.setattr(PanoscApiClient, "page_size", 1)
    db = tmp_path / "db-ESS.json"
    shutil.copyfile(shared("panosc-api", "search-api-db", "db-ESS.json"), db)
    with serving(
        PANOSC_API_SERVER, db, 1,
        # One of three documents deleted is a third of the source: above the default mass-deletion share.
        lambda url: Source(
            id="contract-panosc", name="PaN search API contract", protocol="panosc-api", url=url + "api",
            metadata_prefix="panosc-document", requests_per_second=0, max_deletion_share=0.5,
        ),
        list_all=_panosc_documents,
        delete=_delete_panosc_document,
    ) as provider:  # fmt: skip
        yield provider


def _scicat_records(upstream: str) -> set[str]:
    published = _get_json(upstream + "api/v3/PublishedData", {"limits": {"limit": 10_000}})
    datasets = _get_json(
        upstream + "api/v3/Datasets", {"where": {"isPublished": True}, "limits": {"limit": 10_000}}
    )
    return {f"PublishedData/{p['doi']}" for p in published} | {f"Dataset/{d['pid']}" for d in datasets}


def _delete_scicat_dataset(seeds: Path) -> str:
    path = seeds / "Dataset.json"
    datasets = json.loads(path.read_text(encoding="utf-8"))
    removed = datasets.pop(0)
    path.write_text(json.dumps(datasets), encoding="utf-8")
    return f"Dataset/{removed['_id']}"  # the seeds' old schema: the migration makes `_id` the pid


@contextmanager
def scicat_provider(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[StandInProvider]:
    # 11 published data and 19 public datasets, 5 a page: seven pages over two collections.
    monkeypatch.setattr(SciCatClient, "page_size", 5)
    seeds = tmp_path / "scicat-seed"
    shutil.copytree(shared("scicat", "scicatlive-seed"), seeds)
    with serving(
        SCICAT_API_SERVER, seeds, 5,
        lambda url: Source(
            id="contract-scicat", name="SciCat contract", protocol="scicat", url=url + "api/v3",
            metadata_prefix="scicat", requests_per_second=0,
        ),
        list_all=_scicat_records,
        delete=_delete_scicat_dataset,
    ) as provider:  # fmt: skip
        yield provider


# protocol -> its contract provider. A protocol registered in the harvest stage without one here fails
# tests/contract/test_harvester_contract.py.
PROVIDERS: dict[str, ProviderFactory] = {
    "oai-pmh": oai_provider,
    "panosc-api": panosc_provider,
    "scicat": scicat_provider,
}
