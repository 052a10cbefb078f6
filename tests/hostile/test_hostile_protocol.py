"""Broken OAI-PMH: every error code inside HTTP 200, resumption tokens that repeat, expire or are empty,
bad datestamps, records without identifier, an identifier twice in one page. Made from the real Zenodo
pages; checked for a clear report, the rest of the source kept, and no wrong deletion."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

from harvesters.harvest import harvest_records
from harvesters.raw_store import RawStore
from tests.hostile.kit import (
    POLICY,
    SOURCE_ID,
    Zenodo,
    assert_page_failed,
    clean_snapshot,
    edit_record,
    harvest,
    heal_and_rerun,
    record_ids,
    replace_body,
    snapshot,
    source,
    token_of,
)
from tests.support.replay import Reply
from tests.support.shared_data import shared

# The real Zenodo error answer (badArgument, sent as HTTP 422); variants carry the other codes.
ERROR_PAGE = shared("oai-pmh", "zenodo-2024-01", "list_records-08.xml").read_bytes()
BOOKMARK = source("").bookmark_key


def error_page(code: str) -> bytes:
    return ERROR_PAGE.replace(b'code="badArgument"', f'code="{code}"'.encode())


@pytest.mark.parametrize(
    "code",
    [
        "badArgument",
        "badResumptionToken",
        "badVerb",
        "cannotDisseminateFormat",
        "idDoesNotExist",
        "noMetadataFormats",
        "noSetHierarchy",
        "someVendorError",  # not an OAI-PMH code: still an error, named as sent
    ],
)
def test_each_oai_error_inside_http_200_mid_window_fails_the_window(
    zenodo: Zenodo, store: RawStore, caplog: pytest.LogCaptureFixture, code: str
) -> None:
    replace_body(zenodo.rec, zenodo.page2, lambda _: error_page(code), status=200)
    summary = harvest(zenodo.url, store)
    assert_page_failed(
        summary, store, {}, f"OAI-PMH error {code}", caplog, kept=record_ids(zenodo.body(zenodo.page1))
    )
    # badResumptionToken mid-window restarts the window once, then gives up: no loop.
    assert zenodo.rec.requests.count(zenodo.page2) == (2 if code == "badResumptionToken" else 1)
    heal_and_rerun(zenodo, store)


def test_an_oai_error_inside_http_200_on_the_first_page_leaves_the_store_unchanged(
    zenodo: Zenodo, store: RawStore, caplog: pytest.LogCaptureFixture
) -> None:
    replace_body(zenodo.rec, zenodo.page1, lambda _: error_page("cannotDisseminateFormat"), status=200)
    summary = harvest(zenodo.url, store)
    assert_page_failed(
        summary, store, {}, "OAI-PMH error cannotDisseminateFormat", caplog, kept=[], page_marker="oai_dc"
    )


def test_no_records_match_on_the_first_page_is_an_empty_window(zenodo: Zenodo, store: RawStore) -> None:
    replace_body(zenodo.rec, zenodo.page1, lambda _: error_page("noRecordsMatch"), status=200)
    summary = harvest(zenodo.url, store)
    assert (summary.status, summary.fetched) == ("ok", 0)
    assert store.bookmark(BOOKMARK) is not None


def test_no_records_match_for_a_resumption_token_is_a_cut_list_never_a_deletion(
    zenodo: Zenodo, store: RawStore
) -> None:
    assert harvest(zenodo.url, store, full=True).status == "ok"
    before, bookmark = snapshot(store), store.bookmark(BOOKMARK)
    replace_body(zenodo.rec, zenodo.page2, lambda _: error_page("noRecordsMatch"), status=200)
    summary = harvest(zenodo.url, store, full=True, allow_mass_deletion=True)
    # Pages 2 and 3 "vanished": a complete full pull would tombstone six records. This one is not complete.
    assert summary.deleted == 0 and snapshot(store) == before
    assert any(
        "noRecordsMatch for a resumption token" in f and "resumptionToken=" in f for f in summary.findings
    )
    assert store.bookmark(BOOKMARK) == bookmark


def test_a_repeating_resumption_token_ends_the_window_without_looping_or_deleting(
    zenodo: Zenodo, store: RawStore
) -> None:
    assert harvest(zenodo.url, store, full=True).status == "ok"
    before, bookmark = snapshot(store), store.bookmark(BOOKMARK)
    page1_token = token_of(zenodo.body(zenodo.page1)).encode()
    # The last page hands out page 1's token again (Sickle #19, metha #43): an endless list if followed.
    replace_body(
        zenodo.rec,
        zenodo.page3,
        lambda b: b.replace(
            b"</ListRecords>", b"<resumptionToken>" + page1_token + b"</resumptionToken></ListRecords>"
        ),
    )
    zenodo.rec.requests.clear()
    summary = harvest(zenodo.url, store, full=True, allow_mass_deletion=True)
    assert summary.status == "ok"
    assert any("resumption token repeated" in f for f in summary.findings)
    assert zenodo.rec.requests.count(zenodo.page2) == 1
    assert summary.deleted == 0 and snapshot(store) == before
    assert store.bookmark(BOOKMARK) == bookmark  # the window did not finish


def test_an_expired_token_mid_window_restarts_the_window_once(
    zenodo: Zenodo, store: RawStore, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    expired = iter([Reply(200, error_page("badResumptionToken"), [("Content-Type", "text/xml")])])
    zenodo.rec.overrides[zenodo.page2] = lambda: next(expired, None)
    with caplog.at_level(logging.WARNING):
        summary = harvest(zenodo.url, store)
    assert summary.status == "ok", summary.message
    assert snapshot(store) == clean_snapshot(tmp_path)
    assert zenodo.rec.requests.count(zenodo.page1) == 2 and zenodo.rec.requests.count(zenodo.page2) == 2
    assert any(
        r.getMessage().startswith(f"{SOURCE_ID}: badResumptionToken at http://127.0.0.1")
        for r in caplog.records
    )


@pytest.mark.parametrize(
    "token", [b'<resumptionToken completeListSize="9" cursor="6"/>', b"<resumptionToken> </resumptionToken>"]
)
def test_an_empty_token_on_the_last_page_ends_the_list(
    zenodo: Zenodo, store: RawStore, tmp_path: Path, token: bytes
) -> None:
    replace_body(zenodo.rec, zenodo.page3, lambda b: b.replace(b"</ListRecords>", token + b"</ListRecords>"))
    summary = harvest(zenodo.url, store)
    assert summary.status == "ok"
    assert snapshot(store) == clean_snapshot(tmp_path)
    assert store.bookmark(BOOKMARK) is not None


# --- records ---------------------------------------------------------------------------------------------


def test_invalid_and_future_datestamps_are_reported_and_never_become_the_bookmark(
    zenodo: Zenodo, store: RawStore, tmp_path: Path
) -> None:
    page = zenodo.body(zenodo.page2)
    ids = record_ids(page)
    stamps = re.findall(rb"<datestamp>([^<]+)</datestamp>", page)
    bad = [b"2024-13-45T99:99:99Z", b"2999-01-01T00:00:00Z", b"yesterday"]

    def edit(body: bytes) -> bytes:
        for index, (old, new) in enumerate(zip(stamps, bad, strict=True), start=1):
            body = edit_record(body, index, b"<datestamp>" + old, b"<datestamp>" + new)
        return body

    replace_body(zenodo.rec, zenodo.page2, edit)
    summary = harvest(zenodo.url, store)
    assert summary.status == "ok", summary.message
    assert f"{ids[0]}: invalid datestamp '2024-13-45T99:99:99Z'" in summary.findings
    assert f"{ids[1]}: datestamp 2999-01-01T00:00:00Z is in the future" in summary.findings
    assert f"{ids[2]}: invalid datestamp 'yesterday'" in summary.findings
    # The payloads are good and kept (with the datestamp as served); the bookmark is the run's own clock.
    clean = clean_snapshot(tmp_path)
    held = snapshot(store)
    assert {k: v[1:] for k, v in held.items()} == {k: v[1:] for k, v in clean.items()}
    assert (store.bookmark(BOOKMARK) or "") < "2100"


def test_records_without_identifier_are_skipped_and_block_set_difference_deletions(
    zenodo: Zenodo, store: RawStore
) -> None:
    assert harvest(zenodo.url, store, full=True).status == "ok"
    before = snapshot(store)
    page = zenodo.body(zenodo.page2)
    ids = record_ids(page)

    def edit(body: bytes) -> bytes:
        body = edit_record(
            body, 2, f"<identifier>{ids[1]}</identifier>".encode(), b"<identifier> </identifier>"
        )
        return edit_record(body, 3, f"<identifier>{ids[2]}</identifier>".encode(), b"")

    replace_body(zenodo.rec, zenodo.page2, edit)
    summary = harvest(zenodo.url, store, full=True, allow_mass_deletion=True)
    assert summary.status == "ok"
    for position in (2, 3):
        assert any(
            f.startswith("http://127.0.0.1") and f"record #{position} without identifier skipped" in f
            for f in summary.findings
        ), summary.findings
    assert summary.fetched == 7
    # The two unnamed records may be the two "missing" ones: nothing is deleted.
    assert summary.deleted == 0 and snapshot(store) == before
    assert any("no set-difference deletions" in f for f in summary.findings)


def test_the_same_identifier_twice_in_one_page_keeps_one_row_the_last_copy(
    zenodo: Zenodo, store: RawStore, tmp_path: Path
) -> None:
    page = zenodo.body(zenodo.page2)
    ids = record_ids(page)
    replace_body(
        zenodo.rec,
        zenodo.page2,
        lambda b: edit_record(
            b, 3, f"<identifier>{ids[2]}</identifier>".encode(), f"<identifier>{ids[1]}</identifier>".encode()
        ),
    )
    summary = harvest(zenodo.url, store)
    assert summary.status == "ok"
    assert f"{ids[1]}: repeated in one page; the last copy is kept" in summary.findings
    held, clean = snapshot(store), clean_snapshot(tmp_path)
    assert ids[2] not in held and len(held) == 8
    assert held[ids[1]][1:] == clean[ids[2]][1:]  # the second copy's payload


def test_get_record_of_an_unusable_record_is_an_error_never_a_tombstone(
    zenodo: Zenodo, store: RawStore
) -> None:
    """`pankg harvest SOURCE --record ID`: a record the provider has but we cannot take must not be taken
    for a record the provider no longer has."""
    wanted = "oai:zenodo.org:10357859"  # the recorded GetRecord
    assert harvest_records(source(zenodo.url), store, [wanted], policy=POLICY).status == "ok"
    before = snapshot(store)
    # The same real record, now over the source's size limit (1 kB here, 10 MB by default).
    summary = harvest_records(source(zenodo.url, max_record_mb=0.001), store, [wanted], policy=POLICY)
    assert summary.status == "failed"
    assert (
        f"{wanted}: http://127.0.0.1" in summary.message
        and "exceeds the limit of 1,048 bytes" in summary.message
    )
    assert snapshot(store) == before and not before[wanted][2]
