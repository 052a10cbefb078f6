"""Broken HTTP: throttling with Retry-After, 422, 500, connection resets, a server that stalls or drips
mid-response, a body cut short, a redirect loop. The answers are the real Zenodo recording; the faults are
in the status line or the socket."""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import replace
from email.utils import formatdate
from urllib.parse import urlencode

import pytest

from harvesters.http import HttpPolicy
from harvesters.raw_store import RawStore
from tests.hostile.kit import (
    FIRST,
    POLICY,
    RawServer,
    Zenodo,
    assert_page_failed,
    harvest,
    head,
    pages,
    record_ids,
    recording,
    reset,
    snapshot,
)
from tests.support.replay import Query, Reply

TEXT = [("Content-Type", "text/plain")]


@pytest.mark.parametrize("status", [429, 503])
@pytest.mark.parametrize("form", ["seconds", "http-date"])
def test_throttling_mid_window_honours_retry_after(
    zenodo: Zenodo, store: RawStore, status: int, form: str
) -> None:
    value = "1" if form == "seconds" else formatdate(time.time() + 2, usegmt=True)
    busy = iter([Reply(status, b"slow down", [*TEXT, ("Retry-After", value)])])
    zenodo.rec.overrides[zenodo.page2] = lambda: next(busy, None)
    started = time.monotonic()
    summary = harvest(zenodo.url, store)
    assert summary.status == "ok", summary.message
    assert len(snapshot(store)) == 9
    assert zenodo.rec.requests.count(zenodo.page2) == 2
    # The wait came from Retry-After: the policy's own back-off (0.02 s) is far shorter.
    assert time.monotonic() - started >= 0.9


def test_a_hostile_retry_after_is_capped(zenodo: Zenodo, store: RawStore) -> None:
    busy = iter([Reply(503, b"come back tomorrow", [*TEXT, ("Retry-After", "86400")])])
    zenodo.rec.overrides[zenodo.page2] = lambda: next(busy, None)
    started = time.monotonic()
    summary = harvest(zenodo.url, store, policy=replace(POLICY, max_retry_after=1))
    assert summary.status == "ok" and len(snapshot(store)) == 9
    assert time.monotonic() - started < 10


@pytest.mark.parametrize("status", [429, 503])
def test_throttling_that_never_ends_gives_up_with_the_status(
    zenodo: Zenodo, store: RawStore, caplog: pytest.LogCaptureFixture, status: int
) -> None:
    zenodo.rec.overrides[zenodo.page2] = lambda: Reply(status, b"busy", [*TEXT, ("Retry-After", "0")])
    summary = harvest(zenodo.url, store)
    assert_page_failed(
        summary, store, {}, f"HTTP {status}", caplog, kept=record_ids(zenodo.body(zenodo.page1))
    )
    assert zenodo.rec.requests.count(zenodo.page2) == 1 + POLICY.retries


def test_422_without_an_oai_body_fails_at_once(
    zenodo: Zenodo, store: RawStore, caplog: pytest.LogCaptureFixture
) -> None:
    zenodo.rec.overrides[zenodo.page2] = lambda: Reply(422, b"Unprocessable Entity", TEXT)
    summary = harvest(zenodo.url, store)
    assert_page_failed(
        summary,
        store,
        {},
        "HTTP 422 Unprocessable Entity",
        caplog,
        kept=record_ids(zenodo.body(zenodo.page1)),
    )
    assert zenodo.rec.requests.count(zenodo.page2) == 1  # a client error is not retried


def test_a_passing_500_is_retried(zenodo: Zenodo, store: RawStore) -> None:
    once = iter([Reply(500, b"Internal Server Error", TEXT)])
    zenodo.rec.overrides[zenodo.page2] = lambda: next(once, None)
    summary = harvest(zenodo.url, store)
    assert summary.status == "ok" and len(snapshot(store)) == 9


def test_a_lasting_500_fails_the_window(
    zenodo: Zenodo, store: RawStore, caplog: pytest.LogCaptureFixture
) -> None:
    zenodo.rec.overrides[zenodo.page2] = lambda: Reply(500, b"Internal Server Error", TEXT)
    summary = harvest(zenodo.url, store)
    assert_page_failed(summary, store, {}, "HTTP 500", caplog, kept=record_ids(zenodo.body(zenodo.page1)))
    assert zenodo.rec.requests.count(zenodo.page2) == 1 + POLICY.retries


def test_a_redirect_loop_is_cut(zenodo: Zenodo, store: RawStore, caplog: pytest.LogCaptureFixture) -> None:
    itself = zenodo.url + "?" + urlencode(sorted(zenodo.page2))
    zenodo.rec.overrides[zenodo.page2] = lambda: Reply(302, b"", [*TEXT, ("Location", itself)])
    summary = harvest(zenodo.url, store)
    assert_page_failed(
        summary, store, {}, "too many redirects", caplog, kept=record_ids(zenodo.body(zenodo.page1))
    )
    assert 10 <= zenodo.rec.requests.count(zenodo.page2) <= 12


# --- faults in the socket --------------------------------------------------------------------------------


def socket_fault(target: Query, times: int, fault: str, release: threading.Event) -> object:
    """A RawServer behaviour: the first `times` requests for `target` get `fault`."""
    left = [times]

    def behaviour(key: Query, conn: socket.socket, reply: Reply) -> bool:
        if key != target or left[0] == 0:
            return False
        left[0] -= 1
        if fault == "reset":
            reset(conn)
        elif fault == "cut":  # a Content-Length it never sends, then FIN
            conn.sendall(head(reply, len(reply.body)) + reply.body[: len(reply.body) // 2])
        elif fault == "stall":  # half the body, then silence
            conn.sendall(head(reply, len(reply.body)) + reply.body[: len(reply.body) // 2])
            release.wait(5)
        elif fault == "drip":  # one byte every 0.1 s: no single read ever times out
            conn.sendall(head(reply, len(reply.body)))
            for byte in reply.body:
                if release.wait(0.1):
                    break
                conn.sendall(bytes([byte]))
        return True

    return behaviour


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        ("reset", "connection failed"),
        ("cut", "body broke off"),
        ("stall", "timed out after 0.5 s while reading the body"),
        ("drip", "still arriving after 1 s"),
    ],
)
def test_a_socket_fault_that_passes_is_retried_and_one_that_lasts_fails_the_window(
    store: RawStore, caplog: pytest.LogCaptureFixture, fault: str, reason: str
) -> None:
    policy = HttpPolicy(
        retries=1, backoff_factor=0.02, requests_per_second=0, timeout_seconds=0.5, max_body_seconds=1
    )
    rec = recording()
    _, page2, _ = pages(rec)
    release = threading.Event()
    try:
        # Passing: the first attempt fails, the retry gets the real page.
        with RawServer(rec, socket_fault(page2, 1, fault, release)) as server:  # type: ignore[arg-type]
            passing = harvest(server.url, store, policy=policy)
        assert passing.status == "ok", passing.message
        assert len(snapshot(store)) == 9
    finally:
        release.set()

    release = threading.Event()
    try:
        with (
            RawStore(store.path.with_name("lasting.sqlite")) as fresh,
            RawServer(
                rec,
                socket_fault(page2, 99, fault, release),  # type: ignore[arg-type]
            ) as server,
        ):
            started = time.monotonic()
            lasting = harvest(server.url, fresh, policy=policy)
            assert time.monotonic() - started < 15
            assert_page_failed(lasting, fresh, {}, reason, caplog, kept=record_ids(rec.replies[FIRST].body))
            assert server.hits.count(page2) == 1 + policy.retries
    finally:
        release.set()
