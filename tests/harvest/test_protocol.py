"""OAI-PMH protocol behaviour on Sickle's real protocol fixtures, served from files whose resumption tokens
name the next page (tokens are file names)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

import pytest
from sickle import oaiexceptions

from harvesters.harvest import harvest_source
from harvesters.http import HttpPolicy
from harvesters.oai_pmh import PageError, parse_identify, parse_list_records
from harvesters.raw_store import RawStore
from harvesters.sources import Source
from tests.support.http_server import LoopbackServer
from tests.support.shared_data import shared

SAMPLES = shared("oai-pmh", "sickle-sample-data")
POLICY = HttpPolicy(retries=1, backoff_factor=0.05, requests_per_second=0)
SOURCE = Source(
    id="sickle",
    name="Sickle fixtures",
    protocol="oai-pmh",
    url="http://test.example.com/oai",
    metadata_prefix="oai_dc",
)


def file_app(edit: Callable[[str, bytes], bytes] = lambda name, body: body) -> Any:
    """First ListRecords request -> ListRecords.xml; resumptionToken=NAME -> the file NAME."""

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        query = parse_qs(environ.get("QUERY_STRING", ""))
        verb = query["verb"][0]
        name = query["resumptionToken"][0] if "resumptionToken" in query else f"{verb}.xml"
        body = edit(name, (SAMPLES / name).read_bytes())
        start_response("200 OK", [("Content-Type", "text/xml; charset=utf-8")])
        return [body]

    return app


def test_chain_of_pages_with_deleted_records_and_a_header_without_identifier(store: RawStore) -> None:
    with LoopbackServer(file_app()) as server:
        summary = harvest_source(Source(**{**SOURCE.__dict__, "url": server.url}), store, policy=POLICY)
    assert summary.status == "ok", summary.message
    # Four pages of two records; one header has neither identifier nor datestamp: reported, skipped.
    assert summary.fetched == 7
    assert any("without identifier" in f for f in summary.findings)
    # The fixture pages repeat the same two identifiers: the store keeps one row each, the latest copy.
    assert sorted(r.identifier for r in store.records("sickle")) == [
        "oai:test.example.com:1585310",
        "oai:test.example.com:1585322",
    ]


def test_a_repeating_token_ends_the_window_without_looping(store: RawStore) -> None:
    def loop_back(name: str, body: bytes) -> bytes:
        # Page 3 hands out page 2's token again (Sickle #19 / metha #43).
        return (
            body.replace(b">ListRecords4.xml<", b">ListRecords3.xml<") if name == "ListRecords3.xml" else body
        )

    with LoopbackServer(file_app(loop_back)) as server:
        summary = harvest_source(Source(**{**SOURCE.__dict__, "url": server.url}), store, policy=POLICY)
    assert summary.status == "ok"
    assert summary.fetched == 6
    assert any("resumption token repeated" in f for f in summary.findings)
    # The window did not finish, so the bookmark stays where it was and the next run asks again.
    assert store.bookmark(SOURCE.bookmark_key) is None


def test_an_empty_token_on_the_last_page_ends_the_window(store: RawStore) -> None:
    def empty_token(name: str, body: bytes) -> bytes:
        if name == "ListRecords4.xml":
            return body.replace(
                b"</ListRecords>", b'<resumptionToken completeListSize="8" cursor="6"/></ListRecords>'
            )
        return body

    with LoopbackServer(file_app(empty_token)) as server:
        summary = harvest_source(Source(**{**SOURCE.__dict__, "url": server.url}), store, policy=POLICY)
    assert summary.status == "ok"
    assert summary.fetched == 7
    assert store.bookmark(SOURCE.bookmark_key) is not None


@pytest.mark.parametrize(
    ("fixture", "exception"),
    [
        ("badArgument.xml", oaiexceptions.BadArgument),
        ("badResumptionToken.xml", oaiexceptions.BadResumptionToken),
        ("cannotDisseminateFormat.xml", oaiexceptions.CannotDisseminateFormat),
        ("idDoesNotExist.xml", oaiexceptions.IdDoesNotExist),
        ("noRecordsMatch.xml", oaiexceptions.NoRecordsMatch),
        ("noSetHierarchy.xml", oaiexceptions.NoSetHierarchy),
        ("undefinedError.xml", oaiexceptions.OAIError),
    ],
)
def test_each_oai_error_code_is_its_own_exception(fixture: str, exception: type[Exception]) -> None:
    with pytest.raises(exception, match="OAI-PMH error"):
        parse_list_records((SAMPLES / fixture).read_bytes(), "http://test.example.com/oai", SOURCE)


def test_a_body_that_is_not_xml_is_a_page_error() -> None:
    with pytest.raises(PageError, match="not well-formed XML"):
        parse_list_records((SAMPLES / "ListRecordsBroken.xml").read_bytes(), "http://x/oai", SOURCE)


def test_identify_tolerates_an_invalid_earliest_datestamp() -> None:
    real = shared("oai-pmh", "datacite-viringo", "oai_identify.xml").read_bytes()
    info = parse_identify(real, "https://oai.datacite.org/oai")
    assert (info.granularity, info.deleted_record, info.earliest_datestamp) == (
        "YYYY-MM-DDThh:mm:ssZ",
        "persistent",
        "2011-01-01T00:00:00Z",
    )

    # SciCat's provider announces a day 0.
    scicat_like = real.replace(b"2011-01-01T00:00:00Z", b"2017-01-00T03:24:00Z").replace(b"persistent", b"no")
    info = parse_identify(scicat_like, "https://scicat.example/oai")
    assert info.earliest_datestamp is None
    assert any("invalid earliestDatestamp '2017-01-00T03:24:00Z'" in f for f in info.findings)
    assert any("deletedRecord=no" in f for f in info.findings)
