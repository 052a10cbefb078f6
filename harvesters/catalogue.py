"""Shared paging for JSON catalogue APIs (PaN search API, SciCat): LoopBack `filter` with limit / skip.

These APIs have no modification dates and no resumption tokens: every run is a full pull, paged by
`skip`. What real servers do wrong is handled here once, for both protocol modules:

- a page that is not JSON, not a list, or an HTTP error after the session's retries: reported as a
  finding, the page is skipped and paging goes on (the window is marked incomplete, so no deletions);
  more than `MAX_BAD_PAGES_IN_A_ROW` of them fail the window;
- an item that is not an object or has no usable id: reported per item, skipped;
- a page with the same ids as the previous one (a server ignoring `skip`), a page with no new ids,
  more than `max_pages` pages: the listing ends with a finding (no loop).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from harvesters.http import FetchError, PoliteSession
from harvesters.records import SECONDS, IdentifyInfo, Page, PageError, RawRecord, Window
from harvesters.sources import Source

log = logging.getLogger(__name__)

PAGE_SIZE = 50
# A catalogue of 10^6 items at 50 per page: far above any PaN facility today, low enough to end a loop.
# `max_pages` in sources.toml lowers it per source.
MAX_PAGES = 20_000
MAX_BAD_PAGES_IN_A_ROW = 3


def dataset_key(pid: str) -> str:
    """`Dataset/<pid>`: a SciCat dataset's raw identifier, and what the crosswalk mints the IRI of a catalogue
    dataset from (a SciCat dataset, a PaN Document's dataset), kept apart from document and DOI keys."""
    return f"Dataset/{pid}"


def canonical_json(item: Any) -> bytes:
    """The item as canonical JSON (sorted keys, no whitespace), so the sha256 changes only with content."""
    return json.dumps(item, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def decode_json(content: bytes, url: str) -> Any:
    if not content.strip():
        raise PageError(url, "empty response body")
    try:
        return json.loads(content)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PageError(url, f"not JSON: {exc}") from exc


def item_id(item: Any, keys: tuple[str, ...]) -> str | None:
    """The first of `keys` holding a non-empty string or an integer (ESRF's ids are numbers)."""
    if not isinstance(item, dict):
        return None
    for key in keys:
        value = item.get(key)
        if isinstance(value, bool):
            continue
        if isinstance(value, int):
            return str(value)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def item_datestamp(item: dict[str, Any], keys: tuple[str, ...]) -> str:
    """A date the item carries (informative only: full pulls and hashes decide what changed)."""
    for key in keys:
        value = item.get(key)
        if isinstance(value, dict):  # MongoDB extended JSON {"$date": ...}
            value = value.get("$date")
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""


@dataclass(frozen=True)
class Collection:
    """One listable collection of a catalogue API and how its items become raw records."""

    path: str  # e.g. "Documents", "Datasets"
    metadata_prefix: str  # e.g. "panosc-document"
    id_keys: tuple[str, ...]  # where the item's identifier is
    date_keys: tuple[str, ...] = ()
    # Extra filter clauses (include, where) merged into every request's `filter`.
    filter_extra: Callable[[], dict[str, Any]] = dict


class CatalogueClient:
    """Base of the JSON catalogue clients; subclasses give `collections` and the filter dialect."""

    errors: tuple[type[Exception], ...] = ()
    # No modification dates: full pulls; deletions by set difference (with the mass-deletion guard).
    full_pulls_only = True
    page_size = PAGE_SIZE
    max_pages = MAX_PAGES

    def __init__(self, source: Source, session: PoliteSession) -> None:
        self.source = source
        self.session = session
        self.base = source.url.rstrip("/")
        self.max_pages = min(source.max_pages, type(self).max_pages)

    # --- to be given by subclasses ------------------------------------------------------------------------
    def collections(self) -> list[Collection]:
        raise NotImplementedError

    def paging(self, limit: int, skip: int) -> dict[str, Any]:
        """The limit / skip part of the LoopBack filter."""
        return {"limit": limit, "skip": skip}

    # --- HTTP ---------------------------------------------------------------------------------------------
    def _get_json(self, path: str, flt: dict[str, Any] | None) -> tuple[Any, str]:
        params = {"filter": json.dumps(flt, separators=(",", ":"))} if flt else None
        response = self.session.get(f"{self.base}/{path}", params=params)
        url = response.url
        if response.status_code != 200:
            raise FetchError(url, f"HTTP {response.status_code} {response.reason}", response.status_code)
        return decode_json(response.content, url), url

    def _record(self, collection: Collection, item: dict[str, Any], identifier: str) -> RawRecord:
        return RawRecord(
            source=self.source.id,
            identifier=self.identifier(collection, identifier),
            datestamp=item_datestamp(item, collection.date_keys),
            metadata_prefix=collection.metadata_prefix,
            payload=canonical_json(item),
        )

    def identifier(self, collection: Collection, item_id: str) -> str:
        """The raw-store identifier of an item (a subclass harvesting two collections keeps them apart)."""
        return item_id

    def split_identifier(self, identifier: str) -> tuple[Collection, str]:
        return self.collections()[0], identifier

    # --- HarvestClient ------------------------------------------------------------------------------------
    def identify(self) -> IdentifyInfo:
        """One item of each collection: proves the endpoint answers JSON lists before a run starts."""
        findings: list[str] = []
        for collection in self.collections():
            data, url = self._get_json(collection.path, {**collection.filter_extra(), **self.paging(1, 0)})
            if not isinstance(data, list):
                raise PageError(url, f"expected a JSON list of {collection.path}, got {type(data).__name__}")
        return IdentifyInfo(
            repository_name=self.source.name,
            granularity=SECONDS,
            deleted_record="no",
            findings=tuple(findings),
        )

    def get_record(self, identifier: str) -> RawRecord | None:
        collection, pid = self.split_identifier(identifier)
        flt = {k: v for k, v in collection.filter_extra().items() if k == "include"}
        try:
            data, url = self._get_json(f"{collection.path}/{quote(pid, safe='')}", flt or None)
        except FetchError as exc:
            if exc.status == 404:
                return None
            raise
        found = item_id(data, collection.id_keys)
        if found is None:
            raise PageError(url, "item without an identifier")
        return self._record(collection, data, found)

    def list_records(self, window: Window) -> Iterator[Page]:
        """Pages of every collection in turn. `window` is ignored: these APIs are pulled whole."""
        for collection in self.collections():
            yield from self._pages(collection)

    def _skipped(self, collection: Collection, skip: int, exc: FetchError | PageError) -> Page:
        log.warning("%s: page skip=%d skipped: %s", self.source.id, skip, exc)
        return Page(
            url=exc.url,
            records=[],
            token=None,
            findings=[f"{collection.path} skip={skip}: page skipped: {exc.reason}"],
            ended_early=True,
        )

    def _salvage(
        self, collection: Collection, skip: int, error: PageError, seen: set[str]
    ) -> tuple[Page, bool]:
        """Items skip .. skip+page_size-1 one by one; each broken one is a finding. Never raises for one item.
        Also says whether the list ended within the range."""
        page = Page(url=error.url, records=[], token=None, ended_early=True)
        page.findings.append(f"{collection.path} skip={skip}: {error.reason}; fetching its items one by one")
        for position in range(skip, skip + self.page_size):
            flt = {**collection.filter_extra(), **self.paging(1, position)}
            try:
                data, _ = self._get_json(collection.path, flt)
            except (FetchError, PageError) as exc:
                page.findings.append(f"{collection.path} skip={position}: item skipped: {exc.reason}")
                continue
            if not isinstance(data, list):
                page.findings.append(f"{collection.path} skip={position}: item skipped: not a JSON list")
                continue
            if not data:
                return page, True
            found = item_id(data[0], collection.id_keys)
            if found is None:
                page.findings.append(f"{collection.path} skip={position}: item without an id; skipped")
            elif found not in seen:
                seen.add(found)
                page.records.append(self._record(collection, data[0], found))
        return page, False

    def _pages(self, collection: Collection) -> Iterator[Page]:
        seen: set[str] = set()
        previous: list[str] | None = None
        bad_in_a_row = 0
        for number in range(self.max_pages):
            skip = number * self.page_size
            flt = {**collection.filter_extra(), **self.paging(self.page_size, skip)}
            try:
                data, url = self._get_json(collection.path, flt)
                if not isinstance(data, list):
                    raise PageError(url, f"expected a JSON list, got {type(data).__name__}")
            except PageError as exc:
                # A page that does not parse may hold one broken item: fetch its range one item at a time,
                # so only that item is lost (bounded: one request per item of the page).
                if self.page_size > 1:
                    salvaged, at_end = self._salvage(collection, skip, exc, seen)
                    yield salvaged
                    if at_end:
                        return
                    # A range that gave nothing back counts as a failed page: a server broken for good
                    # costs a few ranges, not max_pages of them.
                    bad_in_a_row = 0 if salvaged.records else bad_in_a_row + 1
                    if bad_in_a_row > MAX_BAD_PAGES_IN_A_ROW:
                        raise PageError(
                            exc.url, f"{bad_in_a_row} pages in a row unusable; last: {exc.reason}"
                        ) from exc
                    continue
                bad_in_a_row += 1
                if bad_in_a_row > MAX_BAD_PAGES_IN_A_ROW:
                    raise PageError(exc.url, f"{bad_in_a_row} pages in a row failed; last: {exc}") from exc
                yield self._skipped(collection, skip, exc)
                continue
            except FetchError as exc:
                bad_in_a_row += 1
                if bad_in_a_row > MAX_BAD_PAGES_IN_A_ROW:
                    raise PageError(
                        getattr(exc, "url", collection.path),
                        f"{bad_in_a_row} pages in a row failed; last: {exc}",
                    ) from exc
                # Skip this page and go on: the others are still worth having, but the listing is
                # incomplete, so the harvest stage applies no deletions.
                yield self._skipped(collection, skip, exc)
                continue
            bad_in_a_row = 0
            if not data:
                return
            page = Page(url=url, records=[], token=None)
            ids: list[str] = []
            for position, item in enumerate(data):
                found = item_id(item, collection.id_keys)
                if found is None:
                    page.findings.append(
                        f"{collection.path} skip={skip} item {position}: not an object with "
                        f"{' / '.join(collection.id_keys)}; skipped"
                    )
                    continue
                ids.append(found)
                if found in seen:
                    continue
                seen.add(found)
                page.records.append(self._record(collection, item, found))
            if previous is not None and ids and ids == previous:
                page.findings.append(
                    f"{collection.path} skip={skip}: same ids as the previous page (skip ignored?); "
                    "listing ended"
                )
                page.ended_early = True
                yield page
                return
            if ids and not page.records:
                page.findings.append(f"{collection.path} skip={skip}: no new ids; listing ended")
                page.ended_early = True
                yield page
                return
            yield page
            previous = ids
            if len(data) < self.page_size:
                return
        yield Page(
            url=f"{self.base}/{collection.path}",
            records=[],
            token=None,
            findings=[f"{collection.path}: more than {self.max_pages} pages; listing ended"],
            ended_early=True,
        )
