"""Harvesting a real OAI-PMH provider (pyoai's server class) on 127.0.0.1, serving real DataCite records."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import datetime

import pytest
from lxml import etree

from harvesters.harvest import harvest_records, harvest_source
from harvesters.http import HttpPolicy
from harvesters.raw_store import RawStore
from harvesters.records import sha256_hex
from tests.harvest.oai_source import source_for
from tests.support.corpus import served_records
from tests.support.http_server import LoopbackServer
from tests.support.oai_server import RecordSet, ServedRecord, oai_app


@pytest.fixture
def provider() -> Iterator[tuple[RecordSet, str]]:
    record_set = RecordSet(served_records())
    with LoopbackServer(oai_app(record_set, page_size=4)) as server:
        yield record_set, server.url


def test_full_harvest_follows_every_resumption_token(
    provider: tuple[RecordSet, str], store: RawStore
) -> None:
    record_set, url = provider
    summary = harvest_source(source_for(url), store)

    assert summary.status == "ok", summary.message
    assert summary.fetched == summary.new == len(record_set.records) == 30
    stored = list(store.records("test"))
    assert sorted(r.identifier for r in stored) == sorted(r.identifier for r in record_set.records)
    for record in stored:
        # The payload is the provider's oai_datacite element, holding the real DataCite resource.
        root = etree.fromstring(record.payload)
        assert root.tag == "{http://schema.datacite.org/oai/oai-1.1/}oai_datacite"
        resource = root.find("{http://schema.datacite.org/oai/oai-1.1/}payload/*")
        assert resource is not None and resource.tag.endswith("}resource")
        assert resource.tag.startswith("{http://datacite.org/schema/kernel-")
        assert record.sha256 == sha256_hex(record.payload)
        assert record.datestamp.startswith("2024-01-")


def test_second_run_from_the_bookmark_yields_nothing_new(
    provider: tuple[RecordSet, str], store: RawStore
) -> None:
    _, url = provider
    assert harvest_source(source_for(url), store).status == "ok"
    second = harvest_source(source_for(url), store)
    assert second.status == "ok"
    assert second.mode == "incremental"
    assert second.window_from is not None
    assert (second.new, second.changed, second.deleted) == (0, 0, 0)


def test_incremental_run_fetches_only_what_changed(provider: tuple[RecordSet, str], store: RawStore) -> None:
    record_set, url = provider
    assert harvest_source(source_for(url), store).status == "ok"

    now = datetime.utcnow().replace(microsecond=0)
    changed, removed = record_set.records[3], record_set.records[7]
    record_set.records[3] = dataclasses.replace(
        changed,
        datestamp=now,
        resource=changed.resource.replace(b"</titles>", b"<title>Revised</title></titles>"),
    )
    record_set.records[7] = dataclasses.replace(removed, datestamp=now, deleted=True)
    record_set.records.append(
        ServedRecord("oai:pan-kg.test:new", now, record_set.records[0].resource, ["other"])
    )

    second = harvest_source(source_for(url), store)
    assert second.status == "ok", second.message
    assert second.fetched == 3  # only the records stamped after the bookmark
    assert (second.new, second.changed, second.deleted) == (1, 1, 1)
    tombstone = store.stored("test", removed.identifier)
    assert tombstone is not None and tombstone.deleted
    assert b"Revised" in next(r for r in store.records("test") if r.identifier == changed.identifier).payload
    assert store.live_count("test") == 30


def test_set_restricts_the_harvest(provider: tuple[RecordSet, str], store: RawStore) -> None:
    record_set, url = provider
    summary = harvest_source(source_for(url, set="openaire_data"), store)
    assert summary.status == "ok"
    expected = {r.identifier for r in record_set.records if "openaire_data" in r.sets}
    assert {r.identifier for r in store.records("test")} == expected


def test_provider_ignoring_from_is_detected_and_treated_as_full_pull(store: RawStore) -> None:
    record_set = RecordSet(served_records(), ignore_from=True, deleted_record="no")
    with LoopbackServer(oai_app(record_set, page_size=8)) as server:
        source = source_for(server.url)
        assert harvest_source(source, store).status == "ok"
        gone = record_set.records.pop(5)
        second = harvest_source(source, store)
    assert second.mode == "full"
    assert any("ignores 'from'" in f for f in second.findings)
    assert any("deletedRecord=no" in f for f in second.findings)
    # A complete full pull finds the deletion by set difference.
    assert second.deleted == 1
    assert store.stored("test", gone.identifier).deleted  # type: ignore[union-attr]


def test_mass_deletion_is_held_back_until_a_steward_allows_it(store: RawStore) -> None:
    record_set = RecordSet(served_records(), deleted_record="no")
    with LoopbackServer(oai_app(record_set, page_size=8)) as server:
        source = source_for(server.url)
        assert harvest_source(source, store, full=True).status == "ok"
        del record_set.records[10:]  # the provider suddenly lists a third of its records

        held = harvest_source(source, store, full=True)
        assert held.status == "needs_decision"
        assert held.pending_deletions == 20
        assert "--allow-mass-deletion" in held.message
        assert store.live_count("test") == 30

        applied = harvest_source(source, store, full=True, allow_mass_deletion=True)
        assert applied.status == "ok"
        assert applied.deleted == 20
        assert store.live_count("test") == 10


def test_a_full_pull_that_returns_nothing_deletes_nothing(store: RawStore) -> None:
    record_set = RecordSet(served_records(), deleted_record="no")
    with LoopbackServer(oai_app(record_set, page_size=8)) as server:
        source = source_for(server.url)
        assert harvest_source(source, store, full=True).status == "ok"
        record_set.records.clear()
        empty = harvest_source(source, store, full=True, allow_mass_deletion=True)
    assert empty.status == "ok"
    assert empty.fetched == 0 and empty.deleted == 0
    assert store.live_count("test") == 30


def test_unreachable_source_fails_with_its_reason(store: RawStore) -> None:
    with LoopbackServer(oai_app(RecordSet([]))) as server:
        url = server.url  # the port is free again once the server has stopped
    summary = harvest_source(source_for(url), store, policy=HttpPolicy(retries=1, backoff_factor=0.1))
    assert summary.status == "failed"
    assert "Identify failed" in summary.message and "127.0.0.1" in summary.message


def test_harvest_just_some_records_with_get_record(provider: tuple[RecordSet, str], store: RawStore) -> None:
    record_set, url = provider
    wanted = [record_set.records[2].identifier, record_set.records[11].identifier]
    summary = harvest_records(source_for(url), store, wanted)
    assert summary.status == "ok", summary.message
    assert sorted(r.identifier for r in store.records("test")) == sorted(wanted)

    # Gone at the provider: becomes a tombstone; unknown everywhere: reported.
    gone = record_set.records.pop(2)
    summary = harvest_records(source_for(url), store, [gone.identifier, "oai:pan-kg.test:nothing"])
    assert store.stored("test", gone.identifier).deleted  # type: ignore[union-attr]
    assert summary.deleted == 1
    assert summary.status == "failed" and "oai:pan-kg.test:nothing" in summary.message


def test_the_deletion_guard_is_configured_per_source(store: RawStore) -> None:
    record_set = RecordSet(served_records(), deleted_record="no")
    with LoopbackServer(oai_app(record_set, page_size=8)) as server:
        strict = source_for(server.url, max_deletion_share=0.01, max_deletion_count=1000)
        assert harvest_source(strict, store, full=True).status == "ok"
        del record_set.records[:1]  # one record of 30 (3%) gone: over this source's 1% share
        held = harvest_source(strict, store, full=True)
    assert held.status == "needs_decision" and held.pending_deletions == 1
    assert store.live_count("test") == 30
