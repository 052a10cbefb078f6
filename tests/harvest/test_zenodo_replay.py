"""Replaying the real recorded Zenodo (Invenio oai2d) responses from a loopback server."""

from __future__ import annotations

import time
from collections.abc import Iterator
from email.utils import formatdate

import pytest

from harvesters.harvest import harvest_source
from harvesters.http import HttpPolicy
from harvesters.raw_store import RawStore
from harvesters.sources import Source
from tests.support.http_server import LoopbackServer
from tests.support.replay import Recording, Reply, query_key
from tests.support.shared_data import shared

PAGE_2 = "verb=ListRecords&resumptionToken=eJyNzE1vgjAcgPHv8j"
POLICY = HttpPolicy(retries=3, backoff_factor=0.05, requests_per_second=0, timeout_seconds=5)


@pytest.fixture
def zenodo() -> Iterator[tuple[Recording, str]]:
    recording = Recording(shared("oai-pmh", "zenodo-2024-01"))
    with LoopbackServer(recording.app) as server:
        yield recording, server.url


def zenodo_source(url: str, prefix: str = "oai_dc", **extra: object) -> Source:
    return Source(id="zenodo", name="Zenodo", protocol="oai-pmh", url=url, metadata_prefix=prefix, **extra)  # type: ignore[arg-type]


def test_resumption_chain_with_a_deleted_record(zenodo: tuple[Recording, str], store: RawStore) -> None:
    _, url = zenodo
    summary = harvest_source(zenodo_source(url), store, policy=POLICY)
    assert summary.status == "ok", summary.message
    # Three recorded pages of three records; the first page holds one deleted record.
    assert summary.fetched == 9
    records = list(store.records("zenodo"))
    assert len(records) == 9
    deleted = [r for r in records if r.deleted]
    assert len(deleted) == 1 and deleted[0].payload == b""
    live = [r for r in records if not r.deleted]
    assert all(r.payload.startswith(b"<oai_dc:dc") for r in live)
    assert store.bookmark(zenodo_source(url).bookmark_key) is not None


def test_datacite_page_then_unrecorded_next_page_fails_the_window(
    zenodo: tuple[Recording, str], store: RawStore
) -> None:
    _, url = zenodo
    summary = harvest_source(zenodo_source(url, "datacite"), store, policy=POLICY)
    # The recording stops after page one: the next page answers 404. The window fails, page one stays.
    assert summary.status == "failed"
    assert "HTTP 404" in summary.message and "resumptionToken" in summary.message
    assert summary.failed_pages == 1
    records = list(store.records("zenodo"))
    assert len(records) == 3
    assert all(b"http://datacite.org/schema/kernel-4" in r.payload for r in records)
    assert store.bookmark(zenodo_source(url, "datacite").bookmark_key) is None


def test_no_records_match_with_http_422_is_an_empty_window(
    zenodo: tuple[Recording, str], store: RawStore
) -> None:
    _, url = zenodo
    started = time.monotonic()
    summary = harvest_source(zenodo_source(url), store, since="2025-01-15", policy=POLICY)
    assert summary.status == "ok", summary.message
    assert summary.fetched == 0
    # Zenodo sends Retry-After: 60 with every answer; a 422 is not retried, so nobody waited a minute.
    assert time.monotonic() - started < 30


def test_oai_error_bad_argument_fails_clearly(zenodo: tuple[Recording, str], store: RawStore) -> None:
    _, url = zenodo
    summary = harvest_source(zenodo_source(url, "XXX"), store, policy=POLICY)
    assert summary.status == "failed"
    assert "badArgument" in summary.message


def test_truncated_page_reports_a_failed_window_and_keeps_page_one(
    zenodo: tuple[Recording, str], store: RawStore
) -> None:
    recording, url = zenodo
    real = recording.replies[query_key(PAGE_2)]
    recording.overrides[query_key(PAGE_2)] = lambda: Reply(
        200, real.body[: len(real.body) // 2], real.headers
    )
    summary = harvest_source(zenodo_source(url), store, policy=POLICY)
    assert summary.status == "failed"
    assert "not well-formed XML" in summary.message
    assert len(list(store.records("zenodo"))) == 3
    assert store.bookmark(zenodo_source(url).bookmark_key) is None

    # The next run, with the provider healthy again, completes the window.
    recording.overrides.clear()
    again = harvest_source(zenodo_source(url), store, policy=POLICY)
    assert again.status == "ok"
    assert len(list(store.records("zenodo"))) == 9


def test_the_recorded_upstream_truncated_page_is_a_clear_page_error() -> None:
    from harvesters.oai_pmh import PageError, parse_list_records

    body = shared("oai-pmh", "zenodo-2024-01", "list_identifiers-02.xml").read_bytes()
    with pytest.raises(PageError, match="not well-formed XML"):
        parse_list_records(body, "http://zenodo.example/oai2d", zenodo_source("http://zenodo.example/oai2d"))


@pytest.mark.parametrize("status", [429, 503])
@pytest.mark.parametrize("retry_after", ["1", "http-date"])
def test_retry_after_is_honoured(
    zenodo: tuple[Recording, str], store: RawStore, status: int, retry_after: str
) -> None:
    recording, url = zenodo
    value = formatdate(time.time() + 2, usegmt=True) if retry_after == "http-date" else retry_after
    first_page = query_key("verb=ListRecords&metadataPrefix=oai_dc")
    busy = iter([Reply(status, b"busy", [("Content-Type", "text/plain"), ("Retry-After", value)])])
    recording.overrides[first_page] = lambda: next(busy, None)
    started = time.monotonic()
    summary = harvest_source(zenodo_source(url), store, policy=POLICY)
    assert summary.status == "ok", summary.message
    assert summary.fetched == 9
    assert recording.requests.count(first_page) == 2
    # The back-off came from Retry-After (0.05 s factor alone would not wait this long).
    assert time.monotonic() - started >= 0.9


def test_persistent_server_errors_give_up_with_the_status(
    zenodo: tuple[Recording, str], store: RawStore
) -> None:
    recording, url = zenodo
    first_page = query_key("verb=ListRecords&metadataPrefix=oai_dc")
    recording.overrides[first_page] = lambda: Reply(500, b"boom", [("Content-Type", "text/plain")])
    summary = harvest_source(zenodo_source(url), store, policy=POLICY)
    assert summary.status == "failed"
    assert "HTTP 500" in summary.message
    assert recording.requests.count(first_page) == 1 + POLICY.retries
