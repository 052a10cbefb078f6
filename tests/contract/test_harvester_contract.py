"""The contract every protocol client passes (as the Singer SDK's standard tap tests do): run against a real
server holding real records, through the harvest stage as a scheduled run calls it.

Parametrised over the protocol registry, so a newly registered protocol is asked to pass it too (and fails
until it has a provider in tests/contract/providers.py).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from harvesters.harvest import SourceSummary, harvest_source
from harvesters.http import HttpPolicy
from harvesters.raw_store import RawStore
from tests.contract.providers import PROVIDERS, ContractProvider
from tests.support.protocols import pulls_whole, registered_protocols

# One retry with a short back-off: an injected outage is reached in well under a second.
POLICY = HttpPolicy(retries=1, backoff_factor=0.01, requests_per_second=0, timeout_seconds=30)


def harvest(provider: ContractProvider, store: RawStore) -> SourceSummary:
    return harvest_source(provider.source(), store, policy=POLICY)


def stored_identifiers(store: RawStore, provider: ContractProvider, *, deleted: bool = False) -> list[str]:
    return [r.identifier for r in store.records(provider.source().id) if r.deleted == deleted]


def test_every_registered_protocol_has_a_contract_provider() -> None:
    registered = set(registered_protocols())
    assert registered, "no protocol registered"
    assert registered - set(PROVIDERS) == set(), "registered protocols without a contract provider"
    assert set(PROVIDERS) - registered == set(), "contract providers of protocols no longer registered"


def test_a_first_run_yields_every_record_once_and_its_datestamps_parse(
    provider: ContractProvider, store: RawStore
) -> None:
    summary = harvest(provider, store)

    assert summary.status == "ok", summary.message
    expected = provider.identifiers()
    assert expected, "the source holds records"
    identifiers = stored_identifiers(store, provider)
    assert len(identifiers) == len(set(identifiers))
    assert set(identifiers) == expected
    # The catalogue APIs pass on a date only where the item carries one (the ESS documents carry none);
    # a protocol harvested in datestamp windows must give every record one.
    whole = pulls_whole(provider.source().protocol)
    for record in store.records(provider.source().id):
        if record.datestamp or not whole:
            assert datetime.fromisoformat(record.datestamp), record.identifier


def test_paging_covers_every_record_exactly_once_across_several_pages(
    provider: ContractProvider, store: RawStore
) -> None:
    expected = provider.identifiers()
    assert len(expected) >= 3 * provider.page_size, "the source fills at least three pages"

    summary = harvest(provider, store)

    assert summary.status == "ok", summary.message
    # A record listed on two pages would be counted twice; one left out would be missing from the store.
    assert summary.fetched == summary.new == len(expected)
    assert set(stored_identifiers(store, provider)) == expected
    assert provider.proxy.served >= len(expected) // provider.page_size


def test_a_second_run_from_the_saved_state_fetches_nothing_new(
    provider: ContractProvider, store: RawStore
) -> None:
    first = harvest(provider, store)
    assert first.status == "ok", first.message
    before = {r.identifier: r.sha256 for r in store.records(provider.source().id)}

    second = harvest(provider, store)

    assert second.status == "ok", second.message
    assert (second.new, second.changed, second.deleted) == (0, 0, 0), second
    assert {r.identifier: r.sha256 for r in store.records(provider.source().id)} == before


def test_a_deletion_at_the_source_is_seen(provider: ContractProvider, store: RawStore) -> None:
    """OAI-PMH by its deleted header on the next incremental run; the catalogue APIs, which have no deletion
    signal, by the set difference after the next full pull."""
    first = harvest(provider, store)
    assert first.status == "ok", first.message
    gone = provider.delete_one()
    assert gone in stored_identifiers(store, provider)

    summary = harvest(provider, store)

    assert summary.status == "ok", summary.message
    assert summary.deleted == 1, summary
    assert stored_identifiers(store, provider, deleted=True) == [gone]
    assert set(stored_identifiers(store, provider)) == provider.identifiers()


def test_an_http_error_mid_listing_fails_the_run_and_the_next_run_completes(
    provider: ContractProvider, store: RawStore, tmp_path: Path
) -> None:
    with RawStore(tmp_path / "whole-run.sqlite") as measured:
        assert harvest(provider, measured).status == "ok"
    whole_run = provider.proxy.served
    expected = provider.identifiers()
    provider.proxy.fail_after(whole_run // 2)  # the server answers HTTP 500 from the middle of the listing on

    failed = harvest(provider, store)

    assert failed.status == "failed", failed
    assert "500" in failed.message, failed.message
    assert store.last_run(provider.source().id)["status"] == "failed"  # type: ignore[index]
    assert set(stored_identifiers(store, provider)) < expected, "the run stopped before the end"

    provider.proxy.heal()
    again = harvest(provider, store)

    assert again.status == "ok", again.message
    identifiers = stored_identifiers(store, provider)
    assert len(identifiers) == len(set(identifiers))
    assert set(identifiers) == expected
