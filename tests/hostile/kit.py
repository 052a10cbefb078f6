"""Broken variants of the real recorded Zenodo answers (../shared/data/oai-pmh/zenodo-2024-01), and the
checks every hostile-input test makes: a clear error naming the source and the page or record, the rest
of the source kept, the raw store unchanged where the input was bad.

The recording is three ListRecords pages of three real records each (oai_dc; page 1 holds a deleted
record, page 2 holds the only non-ASCII text). Tests break page 2 (or one of its records), so page 1 shows
that what came before is kept and page 3 that what comes after is reached when the page error allows it.
"""

from __future__ import annotations

import logging
import re
import socket
import struct
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from lxml import etree

from harvesters.harvest import SourceSummary, harvest_source
from harvesters.http import HttpPolicy
from harvesters.raw_store import RawStore
from harvesters.sources import Source
from tests.support.http_server import FastLoopbackServer
from tests.support.replay import Query, Recording, Reply, query_key
from tests.support.shared_data import shared

SOURCE_ID = "zenodo"
FIRST = query_key("verb=ListRecords&metadataPrefix=oai_dc")
# Short time-outs and back-off: every failure mode here is reached in well under a second.
POLICY = HttpPolicy(retries=2, backoff_factor=0.02, requests_per_second=0, timeout_seconds=2)
OAI = "{http://www.openarchives.org/OAI/2.0/}"


def recording() -> Recording:
    return Recording(shared("oai-pmh", "zenodo-2024-01"))


def token_of(body: bytes) -> str:
    match = re.search(rb"<resumptionToken[^>]*>([^<]+)</resumptionToken>", body)
    assert match, "the real page has a resumption token"
    return match.group(1).decode()


def pages(rec: Recording) -> tuple[Query, Query, Query]:
    """The query keys of the three real pages, found by following the real tokens."""
    second = query_key(f"verb=ListRecords&resumptionToken={token_of(rec.replies[FIRST].body)}")
    third = query_key(f"verb=ListRecords&resumptionToken={token_of(rec.replies[second].body)}")
    return FIRST, second, third


class Zenodo:
    def __init__(self, rec: Recording, url: str) -> None:
        self.rec = rec
        self.url = url
        self.page1, self.page2, self.page3 = pages(rec)

    def body(self, key: Query) -> bytes:
        return self.rec.replies[key].body


def record_ids(body: bytes) -> list[str]:
    root = etree.fromstring(body)
    return [e.text or "" for e in root.iter(f"{OAI}identifier")]


def source(url: str, **extra: object) -> Source:
    return Source(id=SOURCE_ID, name="Zenodo", protocol="oai-pmh", url=url, metadata_prefix="oai_dc", **extra)  # type: ignore[arg-type]


def harvest(url: str, store: RawStore, *, policy: HttpPolicy = POLICY, **kw: object) -> SourceSummary:
    extra = {k: kw.pop(k) for k in list(kw) if k in ("max_record_mb", "ignores_from")}
    return harvest_source(source(url, **extra), store, policy=policy, **kw)  # type: ignore[arg-type]


def snapshot(store: RawStore) -> dict[str, tuple[str, str, bool, bytes]]:
    """identifier -> (datestamp, sha256, deleted, payload): what the store holds for the source."""
    return {r.identifier: (r.datestamp, r.sha256, r.deleted, r.payload) for r in store.records(SOURCE_ID)}


def replace_body(rec: Recording, key: Query, edit: Callable[[bytes], bytes], **reply: object) -> bytes:
    """Serve `edit(real body)` for this request from now on; returns the broken body."""
    real = rec.replies[key]
    body = edit(real.body)
    status = int(reply.get("status", real.status))  # type: ignore[call-overload]
    headers = list(reply.get("headers", real.headers))  # type: ignore[call-overload]
    rec.overrides[key] = lambda: Reply(status, body, headers)
    return body


def with_doctype(body: bytes, doctype: bytes) -> bytes:
    """Put a DOCTYPE after the real page's XML declaration and stylesheet instruction."""
    at = body.index(b"<OAI-PMH")
    return body[:at] + doctype + b"\n" + body[at:]


def assert_page_failed(
    summary: SourceSummary,
    store: RawStore,
    before: dict[str, tuple[str, str, bool, bytes]],
    reason: str,
    caplog: pytest.LogCaptureFixture,
    *,
    kept: list[str],
    page_marker: str = "resumptionToken=",
) -> None:
    """The window failed at a page named by its URL, with `reason`; the source is named in the log; what was
    committed before that page is kept, nothing of the bad page is stored, and the bookmark did not move."""
    assert summary.source == SOURCE_ID
    assert summary.status == "failed", summary
    assert reason in summary.message, summary.message
    assert "http://127.0.0.1:" in summary.message and page_marker in summary.message, summary.message
    assert summary.failed_pages == 1
    logged = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert any(m.startswith(f"{SOURCE_ID}: ") and reason in m for m in logged), logged
    after = snapshot(store)
    assert sorted(after) == sorted(set(before) | set(kept)), sorted(after)
    for identifier, row in before.items():
        assert after[identifier][:3] == row[:3] or identifier in kept
    with store.transaction() as db:
        assert db.execute("SELECT count(*) FROM bookmarks").fetchone()[0] == 0


# --- a raw HTTP server: when the failure is in the socket, not in the answer -----------------------------


@dataclass
class RawServer:
    """HTTP/1.0 on a loopback socket, answering from a Recording; `behaviour(query_key)` may take over a
    connection to reset it, stall it, or drip it. Threads are daemons; `stop` closes the listener."""

    rec: Recording
    behaviour: Callable[[Query, socket.socket, Reply], bool] = lambda key, conn, reply: False
    hits: list[Query] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}/oai2d"
        self._stop = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        with conn:
            request = b""
            while b"\r\n\r\n" not in request:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                request += chunk
            target = request.split(b" ", 2)[1].decode()
            key = query_key(urlsplit(target).query)
            self.hits.append(key)
            reply = self.rec.reply_for(urlsplit(target).query)
            try:
                if not self.behaviour(key, conn, reply):
                    conn.sendall(head(reply, len(reply.body)) + reply.body)
            except OSError:
                pass

    def stop(self) -> None:
        self._stop.set()
        self._listener.close()

    def __enter__(self) -> RawServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def head(reply: Reply, length: int) -> bytes:
    lines = [
        f"HTTP/1.0 {reply.status} X",
        *(f"{k}: {v}" for k, v in reply.headers),
        f"Content-Length: {length}",
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def reset(conn: socket.socket) -> None:
    """Close with RST instead of FIN: the client sees 'connection reset by peer'."""
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()


def counting_app(hits: list[str]) -> Callable[..., list[bytes]]:
    """A loopback 'victim' that records every request: a hostile page must never make us call it."""

    def app(environ: dict[str, object], start_response: Callable[..., object]) -> list[bytes]:
        hits.append(str(environ.get("PATH_INFO")))
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"<!ENTITY leaked 'LOOPBACK-SECRET'>"]

    return app


def records_of(body: bytes) -> list[bytes]:
    """The page cut before each <record>: [prefix, record 1, record 2, record 3 + trailer]."""
    return re.split(rb"(?=<record>)", body)


def edit_record(body: bytes, index: int, old: bytes, new: bytes) -> bytes:
    parts = records_of(body)
    assert old in parts[index], old
    parts[index] = parts[index].replace(old, new, 1)
    return b"".join(parts)


def clean_snapshot(tmp_path: Path) -> dict[str, tuple[str, str, bool, bytes]]:
    """What a run against the unbroken recording stores."""
    rec = recording()
    with FastLoopbackServer(rec.app, path="/oai2d") as server, RawStore(tmp_path / "clean.sqlite") as store:
        assert harvest(server.url, store).status == "ok"
        return snapshot(store)


def heal_and_rerun(zenodo: Zenodo, store: RawStore) -> None:
    zenodo.rec.overrides.clear()
    again = harvest(zenodo.url, store)
    assert again.status == "ok", again.message
    assert len(snapshot(store)) == 9
