"""JSON catalogue APIs (PaN search API) gone wrong: malformed JSON and endless paging, on the catalogue
branch's loopback server over the real CERIC reference database. Stricter than tests/catalogue: the store
held a clean pull first, and the broken pull must neither lose nor delete anything."""

from __future__ import annotations

import dataclasses
import json

import pytest
import requests

from harvesters.harvest import harvest_source
from harvesters.panosc_api import DOCUMENT_INCLUDE, PanoscApiClient
from harvesters.raw_store import RawStore
from tests.support.catalogue_servers import PANOSC_DB, LoopbackDb, Quirks, panosc_app
from tests.support.catalogue_sources import POLICY, panosc_source
from tests.support.http_server import FastLoopbackServer

CERIC = PANOSC_DB / "db-dev-ceric.json"  # 12 real documents


@pytest.fixture(autouse=True)
def small_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(PanoscApiClient, "page_size", 5)  # three pages of the 12 documents


def contents(store: RawStore, source: str) -> dict[str, tuple[str, bool, bytes]]:
    return {r.identifier: (r.sha256, r.deleted, r.payload) for r in store.records(source)}


def test_malformed_json_loses_one_document_for_this_run_and_deletes_nothing(store: RawStore) -> None:
    db = LoopbackDb(CERIC)
    quirks = Quirks()
    with FastLoopbackServer(panosc_app(db, quirks)) as server:
        source = panosc_source("ceric", server.url)
        assert harvest_source(source, store, policy=POLICY).status == "ok"
        before = contents(store, "ceric")
        assert len(before) == 12

        # The real second page, cut mid-document: the server's JSON breaks off.
        real = server_body(server.url, skip=5)
        quirks.body_at_skip[5] = real[: len(real) // 2]
        summary = harvest_source(source, store, policy=POLICY, allow_mass_deletion=True)

    assert (summary.source, summary.status) == ("ceric", "ok")
    # The page is named (collection and skip) with the decoder's reason, then salvaged item by item: only
    # the item at skip=5 (served broken at limit 1 too) is missing from this pull.
    assert any("Documents skip=5: not JSON" in f and "one by one" in f for f in summary.findings)
    assert any(f.startswith("Documents skip=5: item skipped: not JSON") for f in summary.findings)
    assert summary.fetched == 11
    # The listing was incomplete: the missing document keeps its stored copy, nothing is deleted.
    assert summary.deleted == 0 and contents(store, "ceric") == before


def server_body(url: str, skip: int) -> bytes:
    """The page as the healthy server sends it, to be broken by the test."""
    flt = {"include": DOCUMENT_INCLUDE, "limit": 5, "skip": skip}
    return requests.get(url + "api/Documents", params={"filter": json.dumps(flt)}, timeout=5).content


def test_endless_paging_ends_at_max_pages_and_deletes_nothing(store: RawStore) -> None:
    quirks = Quirks()
    with FastLoopbackServer(panosc_app(LoopbackDb(CERIC), quirks)) as server:
        source = dataclasses.replace(panosc_source("ceric", server.url), max_pages=6)
        assert harvest_source(source, store, policy=POLICY).status == "ok"
        before = contents(store, "ceric")

        quirks.endless = True  # past the end the server makes up new documents for ever
        quirks.requests.clear()
        summary = harvest_source(source, store, policy=POLICY, allow_mass_deletion=True)

    assert summary.status == "ok"
    assert any("Documents: more than 6 pages; listing ended" in f for f in summary.findings)
    assert len(quirks.requests) == 1 + 6  # identify + max_pages: no loop
    after = contents(store, "ceric")
    assert {k: after[k] for k in before} == before  # nothing lost, nothing deleted
    assert summary.deleted == 0
