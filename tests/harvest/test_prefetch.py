"""The harvester fetches one page ahead (harvesters/prefetch.py): same pages, same order, errors where they
happened, and a stop that stops. Against the real provider on loopback, a page that fails after earlier
pages were committed keeps those pages, leaves the bookmark, and the next run completes."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harvesters.harvest import harvest_source
from harvesters.http import HttpPolicy
from harvesters.prefetch import prefetched
from harvesters.raw_store import RawStore
from tests.harvest.oai_source import source_for
from tests.support.corpus import served_records
from tests.support.http_server import LoopbackServer
from tests.support.oai_server import RecordSet, oai_app

# --- the helper alone ------------------------------------------------------------------------------------


def numbers(produced: list[int], closed: threading.Event, fail_at: int | None = None) -> Iterator[int]:
    try:
        for n in range(100):
            if n == fail_at:
                raise RuntimeError(f"page {n} failed")
            produced.append(n)
            yield n
    finally:
        closed.set()


def test_items_arrive_in_order_and_an_error_after_every_earlier_item() -> None:
    produced: list[int] = []
    closed = threading.Event()
    seen: list[int] = []
    with (
        pytest.raises(RuntimeError, match="page 5 failed"),
        prefetched(numbers(produced, closed, 5)) as ahead,
    ):
        for n in ahead:
            time.sleep(0.01)  # the worker runs ahead meanwhile
            seen.append(n)
    assert seen == [0, 1, 2, 3, 4]
    assert closed.wait(5)


def test_leaving_early_stops_the_worker_and_closes_the_iterator_in_its_thread() -> None:
    produced: list[int] = []
    closed = threading.Event()
    with prefetched(numbers(produced, closed), depth=1) as ahead:
        for n in ahead:
            if n == 2:
                time.sleep(0.2)  # let the worker fill the queue and block
                break
    assert closed.wait(5)
    # At most one page waiting in the queue and one being built beyond what was taken.
    assert len(produced) <= 3 + 2


def test_an_exception_in_the_consumer_stops_the_worker() -> None:
    produced: list[int] = []
    closed = threading.Event()
    with pytest.raises(KeyError), prefetched(numbers(produced, closed)) as ahead:
        for n in ahead:
            if n == 1:
                raise KeyError("disk full")
    assert closed.wait(5)
    assert len(produced) <= 2 + 2


# --- against the real provider -----------------------------------------------------------------------------


class FailingOnce:
    """WSGI middleware: the `fail_at`-th ListRecords request (1-based) answers 503 once, then all is well."""

    def __init__(self, app: Any, fail_at: int) -> None:
        self.app, self.fail_at, self.requests, self.failed = app, fail_at, 0, False

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if "ListRecords" in environ.get("QUERY_STRING", ""):
            self.requests += 1
            if self.requests == self.fail_at and not self.failed:
                self.failed = True
                start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
                return [b"try later"]
        return self.app(environ, start_response)


def test_a_page_failing_after_committed_pages_keeps_them_and_the_next_run_resumes(tmp_path: Path) -> None:
    record_set = RecordSet(served_records())  # 30 records, pages of 4
    app = FailingOnce(oai_app(record_set, page_size=4), fail_at=3)
    policy = HttpPolicy(requests_per_second=0, retries=0)
    committed: list[int] = []
    with LoopbackServer(app) as server, RawStore(tmp_path / "raw.sqlite") as store:
        source = source_for(server.url)

        def progress(_source: str, fetched: int, _seconds: float) -> None:
            committed.append(store.live_count("test"))  # what the store holds as each page is reported
            assert committed[-1] == fetched

        first = harvest_source(source, store, policy=policy, progress=progress)
        assert first.status == "failed"
        assert "503" in first.message and "resumptionToken" in first.message, first.message
        # Pages 1 and 2 were committed before the error on page 3 was reported; nothing after it.
        assert committed == [4, 8]
        assert first.fetched == 8 and store.live_count("test") == 8
        assert store.bookmark(source.bookmark_key) is None

        second = harvest_source(source, store, policy=policy)
        assert second.status == "ok", second.message
        assert second.mode == "full"
        assert (second.fetched, second.new, second.unchanged) == (30, 22, 8)
        assert store.live_count("test") == 30
        assert store.bookmark(source.bookmark_key) is not None
