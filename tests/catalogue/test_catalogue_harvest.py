"""Catalogue API harvesting on loopback servers over the real samples: paging, full pulls, deletions by set
difference, and what broken servers do (malformed JSON, wrong types, a repeating page, endless paging,
HTTP 500)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest

from harvesters.harvest import harvest_source
from harvesters.http import PoliteSession
from harvesters.panosc_api import PanoscApiClient
from harvesters.protocols import PROTOCOLS
from harvesters.raw_store import RawStore
from harvesters.records import HarvestClient, Window
from harvesters.scicat import SciCatClient
from tests.support.catalogue_servers import (
    PANOSC_DB,
    LoopbackDb,
    Quirks,
    pan_finder_scicat,
    panosc_app,
    scicat_app,
)
from tests.support.catalogue_sources import POLICY, panosc_source, scicat_source
from tests.support.http_server import LoopbackServer

CERIC = PANOSC_DB / "db-dev-ceric.json"  # 12 documents


def sent_filter(request: str) -> dict[str, Any]:
    return json.loads(parse_qs(request.split("?", 1)[1])["filter"][0])


@pytest.fixture
def store(tmp_path: Path) -> Iterator[RawStore]:
    with RawStore(tmp_path / "raw.sqlite") as raw_store:
        yield raw_store


@pytest.fixture
def small_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    # 12 CERIC documents at 5 a page: three pages, the last one short.
    monkeypatch.setattr(PanoscApiClient, "page_size", 5)
    monkeypatch.setattr(SciCatClient, "page_size", 5)


def test_registered_and_protocol_conformant() -> None:
    assert PROTOCOLS["panosc-api"].client is PanoscApiClient
    assert PROTOCOLS["scicat"].client is SciCatClient
    session = PoliteSession(POLICY)
    client: HarvestClient = PanoscApiClient(panosc_source("x", "http://127.0.0.1:9/"), session)
    assert client.full_pulls_only and client.errors == ()
    session.close()


def test_documents_paged_with_limit_skip_and_include(store: RawStore, small_pages: None) -> None:
    quirks = Quirks()
    with LoopbackServer(panosc_app(LoopbackDb(CERIC), quirks)) as server:
        source = panosc_source("ceric", server.url)
        summary = harvest_source(source, store, policy=POLICY)
        client = PanoscApiClient(source, PoliteSession(POLICY))
        one = client.get_record("10.34967/ceric-document1")
        assert client.get_record("no-such-document") is None
    assert summary.status == "ok", summary.message
    assert (summary.mode, summary.fetched, summary.new, summary.findings) == ("full", 12, 12, [])
    filters = [f for r in quirks.requests if "filter=" in r and "limit" in (f := sent_filter(r))]
    assert [(f["limit"], f["skip"]) for f in filters] == [(1, 0), (5, 0), (5, 5), (5, 10)]
    assert {i["relation"] for i in filters[1]["include"]} == {"datasets", "members", "parameters"}
    records = {r.identifier: r for r in store.records("ceric")}
    payload = json.loads(records["10.34967/ceric-document1"].payload)
    assert [d["pid"] for d in payload["datasets"]] == [
        "10.34967/20201001/lung_5/lung_5060",
        "10.34967/20201001/lung_5/lung_5061",
        "10.34967/20201001/lung_5/lung_5070",
        "10.34967/20201001/lung_5/lung_5071",
    ]
    assert payload["datasets"][0]["instrument"]["facility"] == "Elettra-Sincrotrone Trieste"
    # Canonical JSON: the item endpoint's copy hashes the same as the listed one.
    assert one is not None and one.sha256 == records["10.34967/ceric-document1"].sha256
    assert one.metadata_prefix == "panosc-document"


def test_second_pull_finds_nothing_new_and_deletions_by_set_difference(store: RawStore) -> None:
    db = LoopbackDb(CERIC)
    with LoopbackServer(panosc_app(db)) as server:
        source = panosc_source("ceric", server.url)
        harvest_source(source, store, policy=POLICY)
        again = harvest_source(source, store, policy=POLICY)
        assert (again.new, again.changed, again.unchanged, again.deleted) == (0, 0, 12, 0)
        db.rows["Document"] = [d for d in db.rows["Document"] if d["pid"] != "10.34967/ceric-document12"]
        after = harvest_source(source, store, policy=POLICY)
    assert (after.status, after.deleted, after.unchanged) == ("ok", 1, 11)
    assert {r.identifier for r in store.records("ceric") if r.deleted} == {"10.34967/ceric-document12"}


def test_malformed_json_costs_only_the_broken_document(store: RawStore) -> None:
    # European XFEL's reference db stores nine parameters of dataset d001 as JSON that does not parse
    # ("value":??): the page with the document holding d001 is broken as served.
    with LoopbackServer(panosc_app(LoopbackDb(PANOSC_DB / "db-dev-xfel.json"))) as server:
        summary = harvest_source(panosc_source("xfel", server.url), store, policy=POLICY)
    assert summary.status == "ok"
    assert summary.fetched == 11  # of 12 documents
    assert any("not JSON" in f and "one by one" in f for f in summary.findings)
    assert len([f for f in summary.findings if "item skipped" in f]) == 1
    # The listing was incomplete: nothing may be deleted on its strength.
    assert summary.deleted == 0


def test_wrong_types_are_reported_per_item(store: RawStore, small_pages: None) -> None:
    page = b'[7, {"pid": null}, {"pid": ["x"]}, {"pid": "ok-1", "title": "t"}, {"pid": 2, "title": "t"}]'
    quirks = Quirks(body_at_skip={5: page})
    with LoopbackServer(panosc_app(LoopbackDb(CERIC), quirks)) as server:
        summary = harvest_source(panosc_source("ceric", server.url), store, policy=POLICY)
    assert summary.status == "ok"
    assert summary.fetched == 5 + 2 + 2
    assert len([f for f in summary.findings if "not an object with pid" in f]) == 3


def test_a_page_that_is_not_a_list_is_salvaged_item_by_item(store: RawStore, small_pages: None) -> None:
    quirks = Quirks(body_at_skip={5: b'{"error": "not a list"}'})
    with LoopbackServer(panosc_app(LoopbackDb(CERIC), quirks)) as server:
        summary = harvest_source(panosc_source("ceric", server.url), store, policy=POLICY)
    # skip=5 with limit 1 hits the same broken answer; skips 6..9 come one by one; then the last page.
    assert summary.fetched == 11
    assert any("expected a JSON list" in f for f in summary.findings)


def test_a_repeating_page_ends_the_listing(store: RawStore, small_pages: None) -> None:
    with LoopbackServer(panosc_app(LoopbackDb(CERIC), Quirks(ignore_skip=True))) as server:
        source = panosc_source("ceric", server.url)
        summary = harvest_source(source, store, policy=POLICY)
    assert (summary.status, summary.fetched) == ("ok", 5)
    assert any("same ids as the previous page" in f for f in summary.findings)


def test_endless_paging_is_bounded(store: RawStore, small_pages: None) -> None:
    quirks = Quirks(endless=True)
    with LoopbackServer(panosc_app(LoopbackDb(CERIC), quirks)) as server:
        source = dataclasses.replace(panosc_source("ceric", server.url), max_pages=6)  # sources.toml setting
        summary = harvest_source(source, store, policy=POLICY)
    assert summary.fetched == 30
    assert any("more than 6 pages" in f for f in summary.findings)
    assert len(quirks.requests) == 1 + 6


def test_http_500_skips_the_page_and_goes_on(store: RawStore, small_pages: None) -> None:
    with LoopbackServer(panosc_app(LoopbackDb(CERIC), Quirks(status_at_skip={5: 500}))) as server:
        summary = harvest_source(panosc_source("ceric", server.url), store, policy=POLICY)
    assert (summary.status, summary.fetched, summary.deleted) == ("ok", 7, 0)
    assert any("skip=5: page skipped" in f and "500" in f for f in summary.findings)


def test_garbage_from_some_page_on_fails_the_window_after_a_few_ranges(
    store: RawStore, small_pages: None
) -> None:
    garbage = {skip: b"<html>maintenance</html>" for skip in range(5, 10_000)}
    quirks = Quirks(body_at_skip=garbage)
    with LoopbackServer(panosc_app(LoopbackDb(CERIC), quirks)) as server:
        summary = harvest_source(panosc_source("ceric", server.url), store, policy=POLICY)
    assert (summary.status, summary.fetched, summary.deleted) == ("failed", 5, 0)
    assert "pages in a row unusable" in summary.message
    # 4 ranges of 5 items, each tried whole and then item by item: bounded, not max_pages of them.
    assert len(quirks.requests) == 1 + 1 + 4 * (1 + 5)


def test_an_api_that_answers_500_everywhere_fails_cleanly(store: RawStore) -> None:
    quirks = Quirks(status_at_skip={skip: 500 for skip in range(0, 200, 50)})
    with LoopbackServer(panosc_app(LoopbackDb(CERIC), quirks)) as server:
        summary = harvest_source(panosc_source("ceric", server.url), store, policy=POLICY)
    assert summary.status == "failed"
    assert "500" in summary.message


def test_scicat_published_data_and_public_datasets(store: RawStore, small_pages: None) -> None:
    published, datasets = pan_finder_scicat("oscars_pan_finder_maxiv_data_20250219142732031359.json")
    hidden = {**datasets[0], "pid": "20.500.14080/not-public", "isPublished": False}
    quirks = Quirks()
    with LoopbackServer(scicat_app(published, [*datasets, hidden], quirks)) as server:
        source = scicat_source("maxiv", server.url)
        summary = harvest_source(source, store, policy=POLICY)
        client = SciCatClient(source, PoliteSession(POLICY))
        pub = client.get_record("PublishedData/10.48391/91a3a886-df6f-434a-9a1d-7304a0061e00")
    assert summary.status == "ok", summary.message
    ids = [r.identifier for r in store.records("maxiv")]
    prefixes = sorted({r.metadata_prefix for r in store.records("maxiv")})
    assert prefixes == ["scicat-dataset", "scicat-published"]
    assert len([i for i in ids if i.startswith("PublishedData/")]) == 5
    # 25 entries in the PaN-Finder file; one is the 403 answer the harvester got for a dataset.
    assert len([i for i in ids if i.startswith("Dataset/")]) == len([d for d in datasets if "pid" in d]) == 24
    assert "Dataset/20.500.14080/not-public" not in ids
    listing = [sent_filter(r) for r in quirks.requests if "/Datasets?" in r]
    assert listing[-1]["where"] == {"isPublished": True} and listing[-1]["limits"]["limit"] == 5
    assert pub is not None and pub.metadata_prefix == "scicat-published"


def test_list_records_ignores_the_window(small_pages: None) -> None:
    with LoopbackServer(panosc_app(LoopbackDb(PANOSC_DB / "db-master.json"))) as server:
        client = PanoscApiClient(panosc_source("m", server.url), PoliteSession(POLICY))
        pages = list(client.list_records(Window("2020-01-01", None)))
    assert sum(len(p.records) for p in pages) == 2


def test_registry_lists_the_catalogue_apis_disabled() -> None:
    from harvesters.sources import load_sources
    from tests.support.shared_data import REPO

    sources = load_sources(REPO / "sources.toml")
    catalogue = {k: s for k, s in sources.items() if s.protocol in ("panosc-api", "scicat")}
    assert len(catalogue) >= 6
    assert not any(s.enabled for s in catalogue.values())  # not verified from here
