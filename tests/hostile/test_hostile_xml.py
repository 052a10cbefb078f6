"""Hostile and broken XML: entities, DTDs, encodings, truncation, HTML, an oversized record.

Every broken page is made from a real recorded Zenodo page; every check is the suite's standard one
(`assert_page_failed`): a clear error naming the source and the page URL, page 1 kept, nothing of the
bad page stored, the bookmark unmoved, and (where it matters) the next healthy run completing the source.
"""

from __future__ import annotations

import html
import re
import time
from pathlib import Path

import pytest
from lxml import etree

from harvesters.raw_store import RawStore
from harvesters.safe_xml import safe_parser
from tests.hostile.kit import (
    Zenodo,
    assert_page_failed,
    clean_snapshot,
    counting_app,
    edit_record,
    harvest,
    heal_and_rerun,
    record_ids,
    records_of,
    replace_body,
    snapshot,
    with_doctype,
)
from tests.support.http_server import FastLoopbackServer

# --- entities --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["local-file", "loopback-url", "parameter-entity-url"])
def test_xxe_is_refused_and_never_followed(
    zenodo: Zenodo, store: RawStore, tmp_path: Path, caplog: pytest.LogCaptureFixture, kind: str
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("FILE-SECRET-4711", encoding="utf-8")
    hits: list[str] = []
    with FastLoopbackServer(counting_app(hits)) as victim:
        target = secret.as_uri() if kind == "local-file" else f"{victim.url}secret"
        if kind.startswith("parameter"):
            doctype = f'<!DOCTYPE OAI-PMH [<!ENTITY % remote SYSTEM "{target}"> %remote;]>'
        else:
            doctype = f'<!DOCTYPE OAI-PMH [<!ENTITY xxe SYSTEM "{target}">]>'
        replace_body(
            zenodo.rec,
            zenodo.page2,
            lambda b: with_doctype(b, doctype.encode()).replace(b"<dc:title>", b"<dc:title>&xxe;", 1),
        )
        summary = harvest(zenodo.url, store)

        assert_page_failed(
            summary, store, {}, "hostile XML refused", caplog, kept=record_ids(zenodo.body(zenodo.page1))
        )
        assert hits == [], "the parser called the loopback URL"
        seen = repr(snapshot(store)) + summary.message + repr(summary.findings)
        assert "FILE-SECRET" not in seen and "LOOPBACK-SECRET" not in seen
        heal_and_rerun(zenodo, store)


def test_the_parser_alone_never_reads_files_or_the_network(tmp_path: Path) -> None:
    """Defence in depth: even without the prolog check, lxml as configured resolves nothing."""
    secret = tmp_path / "secret.txt"
    secret.write_text("FILE-SECRET-4711", encoding="utf-8")
    hits: list[str] = []
    with FastLoopbackServer(counting_app(hits)) as victim:
        body = (
            f'<!DOCTYPE r [<!ENTITY f SYSTEM "{secret.as_uri()}"><!ENTITY u SYSTEM "{victim.url}u">'
            f'<!ENTITY % p SYSTEM "{victim.url}p"> %p;]><r>&f;&u;</r>'
        ).encode()
        root = etree.fromstring(body, parser=safe_parser())
    assert b"FILE-SECRET" not in etree.tostring(root)
    assert hits == []


@pytest.mark.parametrize("bomb", ["billion-laughs", "quadratic-blowup"])
def test_entity_expansion_bombs_are_refused_at_once(
    zenodo: Zenodo, store: RawStore, caplog: pytest.LogCaptureFixture, bomb: str
) -> None:
    page = zenodo.body(zenodo.page2)
    if bomb == "billion-laughs":
        levels = ['<!ENTITY lol0 "lol">'] + [
            f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)
        ]
        doctype = f"<!DOCTYPE OAI-PMH [{''.join(levels)}]>".encode()
        use = b"&lol9;"
    else:
        # One 100 kB entity (the real record's own description) referenced 5,000 times: 500 MB if expanded.
        text = re.search(rb"<dc:description>([^<]*)</dc:description>", page).group(1)  # type: ignore[union-attr]
        value = (text * (100_000 // max(len(text), 1) + 1))[:100_000].replace(b'"', b"")
        doctype = b'<!DOCTYPE OAI-PMH [<!ENTITY a "' + value + b'">]>'
        use = b"&a;" * 5000
    replace_body(
        zenodo.rec,
        zenodo.page2,
        lambda b: with_doctype(b, doctype).replace(b"<dc:title>", b"<dc:title>" + use, 1),
    )
    started = time.monotonic()
    summary = harvest(zenodo.url, store)
    assert time.monotonic() - started < 5
    assert_page_failed(
        summary, store, {}, "hostile XML refused", caplog, kept=record_ids(zenodo.body(zenodo.page1))
    )


def test_a_dtd_is_never_loaded_and_the_page_is_used(zenodo: Zenodo, store: RawStore, tmp_path: Path) -> None:
    hits: list[str] = []
    with FastLoopbackServer(counting_app(hits)) as victim:
        doctype = f'<!DOCTYPE OAI-PMH SYSTEM "{victim.url}OAI-PMH.dtd">'.encode()
        replace_body(zenodo.rec, zenodo.page2, lambda b: with_doctype(b, doctype))
        summary = harvest(zenodo.url, store)
    assert hits == []
    assert summary.status == "ok", summary.message
    assert snapshot(store) == clean_snapshot(tmp_path)
    assert any("DOCTYPE ignored" in f and "resumptionToken=" in f for f in summary.findings)


def test_an_entity_declared_only_in_an_unloaded_dtd_skips_its_record(
    zenodo: Zenodo, store: RawStore, tmp_path: Path
) -> None:
    hits: list[str] = []
    target = record_ids(zenodo.body(zenodo.page2))[1]
    with FastLoopbackServer(counting_app(hits)) as victim:
        doctype = f'<!DOCTYPE OAI-PMH SYSTEM "{victim.url}evil.dtd">'.encode()
        replace_body(
            zenodo.rec,
            zenodo.page2,
            lambda b: edit_record(with_doctype(b, doctype), 2, b"<dc:title>", b"<dc:title>&leaked;"),
        )
        summary = harvest(zenodo.url, store)
    assert hits == []
    assert summary.status == "ok", summary.message
    assert any(f.startswith(f"{target}: unresolved entity reference &leaked;") for f in summary.findings)
    clean = clean_snapshot(tmp_path)
    del clean[target]
    assert snapshot(store) == clean  # the rest of page 2 and page 3 kept


# --- size -----------------------------------------------------------------------------------------------


def test_a_50_mb_record_is_reported_and_skipped_and_never_taken_for_a_deletion(
    zenodo: Zenodo, store: RawStore
) -> None:
    assert harvest(zenodo.url, store, full=True).status == "ok"
    before = snapshot(store)
    page = zenodo.body(zenodo.page2)
    target = record_ids(page)[1]
    text = re.search(rb"<dc:description>([^<]*)</dc:description>", records_of(page)[2]).group(1)  # type: ignore[union-attr]
    huge = text * (50 * 1024 * 1024 // len(text) + 1)
    replace_body(
        zenodo.rec,
        zenodo.page2,
        lambda b: edit_record(b, 2, b"</dc:description>", huge + b"</dc:description>"),
    )

    # A full pull: without the size limit's bookkeeping the skipped record would look deleted.
    summary = harvest(zenodo.url, store, full=True)
    assert summary.status == "ok", summary.message
    finding = next(f for f in summary.findings if f.startswith(f"{target}: record of "))
    assert "exceeds the limit of 10,485,760 bytes" in finding and "resumptionToken=" in finding
    assert (summary.deleted, summary.fetched) == (0, 8)
    assert snapshot(store) == before  # the stored copy kept, not tombstoned; the rest unchanged
    # Kept in the run log with the source: `pankg status` and the findings table name it.
    assert ("provider", finding) in store.findings(summary.run_id)

    # The limit is per source (`max_record_mb` in sources.toml): raised, the record is taken.
    taken = harvest(zenodo.url, store, full=True, max_record_mb=64)
    assert taken.status == "ok" and taken.changed == 1
    assert snapshot(store)[target][1] != before[target][1]


# --- encodings ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("variant", ["garbage-bytes", "latin-1-bytes-declared-utf-8"])
def test_invalid_utf8_fails_the_page_naming_the_byte(
    zenodo: Zenodo, store: RawStore, caplog: pytest.LogCaptureFixture, variant: str
) -> None:
    if variant == "garbage-bytes":
        replace_body(
            zenodo.rec, zenodo.page2, lambda b: edit_record(b, 2, b"<dc:title>", b"<dc:title>\xff\xfe")
        )
    else:
        replace_body(zenodo.rec, zenodo.page2, lambda b: b.decode("utf-8").encode("latin-1"))
    summary = harvest(zenodo.url, store)
    assert_page_failed(
        summary, store, {}, "invalid UTF-8 at byte", caplog, kept=record_ids(zenodo.body(zenodo.page1))
    )
    assert "(line " in summary.message
    heal_and_rerun(zenodo, store)


def test_a_utf16_page_is_refused(zenodo: Zenodo, store: RawStore, caplog: pytest.LogCaptureFixture) -> None:
    replace_body(
        zenodo.rec,
        zenodo.page2,
        lambda b: b.replace(b"encoding='UTF-8'", b"encoding='UTF-16'", 1).decode("utf-8").encode("utf-16"),
    )
    summary = harvest(zenodo.url, store)
    assert_page_failed(
        summary, store, {}, "encoded in UTF-16/32", caplog, kept=record_ids(zenodo.body(zenodo.page1))
    )


@pytest.mark.parametrize("variant", ["utf-8-bytes-declared-latin-1", "latin-1-bytes-declared-latin-1"])
def test_a_wrong_or_non_utf8_declared_encoding_never_garbles_text(
    zenodo: Zenodo, store: RawStore, tmp_path: Path, variant: str
) -> None:
    def edit(body: bytes) -> bytes:
        body = body.replace(b"encoding='UTF-8'", b"encoding='ISO-8859-1'", 1)
        return body.decode("utf-8").encode("latin-1") if variant.startswith("latin-1") else body

    replace_body(zenodo.rec, zenodo.page2, edit)
    summary = harvest(zenodo.url, store)
    assert summary.status == "ok", summary.message
    # Byte for byte what the clean run stored: "López" stays López, never "LÃ³pez".
    assert snapshot(store) == clean_snapshot(tmp_path)
    assert any("L\u00f3pez".encode() in row[3] for row in snapshot(store).values())
    expected = "but its bytes are UTF-8" if variant.startswith("utf-8") else "OAI-PMH requires UTF-8"
    assert any(expected in f and "resumptionToken=" in f for f in summary.findings), summary.findings


# --- pages that are not what they claim ------------------------------------------------------------------


@pytest.mark.parametrize("cut", [0.1, 0.5, 0.999, "inside-a-character"])
def test_a_truncated_page_fails_its_window_and_the_next_run_completes(
    zenodo: Zenodo, store: RawStore, caplog: pytest.LogCaptureFixture, cut: float | str
) -> None:
    page = zenodo.body(zenodo.page2)
    at = page.index("\u00f3".encode()) + 1 if cut == "inside-a-character" else int(len(page) * float(cut))
    replace_body(zenodo.rec, zenodo.page2, lambda b: b[:at])
    summary = harvest(zenodo.url, store)
    reason = "truncated inside a multi-byte" if cut == "inside-a-character" else "not well-formed XML"
    assert_page_failed(summary, store, {}, reason, caplog, kept=record_ids(zenodo.body(zenodo.page1)))
    heal_and_rerun(zenodo, store)


def test_an_html_page_instead_of_xml(
    zenodo: Zenodo, store: RawStore, caplog: pytest.LogCaptureFixture
) -> None:
    page = zenodo.body(zenodo.page2)
    # A real page of HTML: the record's own title and (Zenodo's entity-escaped) HTML description.
    title = re.search(rb"<dc:title>([^<]*)</dc:title>", page).group(1)  # type: ignore[union-attr]
    description = re.findall(rb"<dc:description>([^<]*)</dc:description>", page)[-1]
    document = (
        b"<!DOCTYPE html>\n<html><head><meta charset=utf-8><title>"
        + title
        + b"</title></head><body>"
        + html.unescape(description.decode()).encode()
        + b"</body></html>"
    )
    replace_body(
        zenodo.rec,
        zenodo.page2,
        lambda _: document,
        headers=[("Content-Type", "text/html; charset=utf-8")],
    )
    summary = harvest(zenodo.url, store)
    assert_page_failed(
        summary,
        store,
        {},
        "an HTML page, not OAI-PMH XML",
        caplog,
        kept=record_ids(zenodo.body(zenodo.page1)),
    )
    assert html.unescape(title.decode())[:40] in summary.message
