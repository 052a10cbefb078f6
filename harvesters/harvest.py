"""Harvest one source into the raw store: choose the window, walk the pages, commit, move the bookmark.

This is the stage logic; `flows/` only wires sources to it. Protocol clients are picked by `Source.protocol`
from the registry (`harvesters.protocols`); everything below them (raw store, bookmarks, deletions) is shared.
"""

from __future__ import annotations

import logging
import shutil
import sqlite3
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta

from harvesters.http import FetchError, HttpPolicy, PoliteSession
from harvesters.oai_pmh import format_datestamp, parse_datestamp
from harvesters.prefetch import prefetched
from harvesters.protocols import PROTOCOLS
from harvesters.raw_store import RawStore, UpsertCounts
from harvesters.records import DAY, HarvestClient, PageError, RawRecord, Window
from harvesters.sources import Source

log = logging.getLogger(__name__)

# Re-fetch a little before the bookmark: providers' clocks and commit order are not exact.
BOOKMARK_OVERLAP = timedelta(minutes=5)

ProgressCallback = Callable[[str, int, float], None]


@dataclass(frozen=True)
class DeletionGuard:
    """Refuse set-difference deletions that would remove too much at once (a provider answering a truncated
    list must not empty the graph). Explicit OAI `deleted` headers are always applied."""

    max_share: float = 0.20
    max_count: int = 1000

    def refuses(self, missing: int, known: int) -> bool:
        return missing > self.max_count or (known > 0 and missing / known > self.max_share)


@dataclass
class SourceSummary:
    source: str
    status: str = "ok"  # ok | failed | needs_decision
    mode: str = "incremental"
    run_id: int = 0
    window_from: str | None = None
    window_until: str | None = None
    fetched: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    deleted: int = 0
    failed_pages: int = 0
    pending_deletions: int = 0
    seconds: float = 0.0
    message: str = ""
    findings: list[str] = field(default_factory=list)

    @property
    def records_per_second(self) -> float:
        return self.fetched / self.seconds if self.seconds > 0 else 0.0

    def as_dict(self) -> dict[str, object]:
        return asdict(self) | {"records_per_second": round(self.records_per_second, 1)}

    def take_counts(self, counts: UpsertCounts) -> None:
        self.new, self.changed, self.unchanged, self.deleted = (
            counts.new, counts.changed, counts.unchanged, counts.deleted)  # fmt: skip


def open_client(
    source: Source, policy: HttpPolicy | None
) -> tuple[PoliteSession, HarvestClient, tuple[type[Exception], ...]]:
    """The source's protocol client on a polite session, and the errors that fail a page or record."""
    policy = policy or HttpPolicy(
        requests_per_second=source.requests_per_second, timeout_seconds=source.timeout_seconds,
        retries=source.retries,
    )  # fmt: skip
    session = PoliteSession(policy)
    client = PROTOCOLS[source.protocol].client(source, session)
    return session, client, (FetchError, PageError, *client.errors)


def choose_window(
    source: Source,
    store: RawStore,
    *,
    full: bool,
    since: str | None,
    until: str | None,
    granularity: str,
    started: datetime,
    full_pulls_only: bool = False,
) -> tuple[Window, bool, str]:
    """The window to request, whether it is a full pull, and the bookmark to keep once it is committed.

    The bookmark is the signpost taken when the run started (never a datestamp seen in the data), so a
    record changed while we harvest is picked up by the next run. `until` is sent only when asked for.
    """
    signpost = until or format_datestamp(started, granularity)
    if source.ignores_from or full_pulls_only:
        return Window(None, None), True, signpost
    if since:
        return Window(since, until), False, signpost
    bookmark = store.bookmark(source.bookmark_key)
    if full or bookmark is None:
        return Window(None, until), True, signpost
    moment = parse_datestamp(bookmark)
    from_ = bookmark if moment is None else format_datestamp(moment - BOOKMARK_OVERLAP, granularity)
    return Window(from_, until), False, signpost


def advance_bookmark(store: RawStore, source: Source, window: Window, signpost: str, run_id: int) -> None:
    """Move the bookmark to the signpost once the whole window is committed, but only if the window
    reached back to the old bookmark (a steward's `--since` backfill must not skip what lies before it)
    and never backwards."""
    old = store.bookmark(source.bookmark_key)
    old_moment = parse_datestamp(old) if old else None
    from_moment = parse_datestamp(window.from_) if window.from_ else None
    new_moment = parse_datestamp(signpost)
    if window.from_ is not None and (old_moment is None or from_moment is None or from_moment > old_moment):
        return
    if old_moment is not None and new_moment is not None and new_moment <= old_moment:
        return
    store.set_bookmark(source.bookmark_key, source.id, signpost, run_id)


# Failures of our own disk (full, read-only, I/O error) while writing the raw store: SQLite reports them
# all as its own errors. (Not OSError: requests' exceptions are OSErrors too and mean the provider.)
STORE_ERRORS = (sqlite3.Error,)


def store_failure(store: RawStore, exc: BaseException) -> str:
    """A message that names the disk: the store's path and what is left on its file system."""
    try:
        usage = shutil.disk_usage(store.path.parent)
        disk = f"{usage.free:,} of {usage.total:,} bytes free on the disk holding {store.path.parent}"
    except OSError:
        disk = f"disk holding {store.path.parent} unreadable"
    return f"raw store {store.path} could not be written: {exc} ({disk})"


def harvest_source(
    source: Source,
    store: RawStore,
    *,
    full: bool = False,
    since: str | None = None,
    until: str | None = None,
    allow_mass_deletion: bool = False,
    guard: DeletionGuard | None = None,
    policy: HttpPolicy | None = None,
    progress: ProgressCallback | None = None,
    on_commit: Callable[[int], None] | None = None,
) -> SourceSummary:
    """Harvest one source. Never raises for provider trouble: the summary says what failed and why."""
    guard = guard or DeletionGuard(source.max_deletion_share, source.max_deletion_count)
    started = datetime.now(UTC)
    clock = time.monotonic()
    summary = SourceSummary(source=source.id, mode="full" if full else "incremental")
    if source.protocol not in PROTOCOLS:
        summary.status, summary.message = "failed", f"protocol {source.protocol!r} is not supported yet"
        return summary
    session, client, failures = open_client(source, policy)
    counts = UpsertCounts()
    run_id = 0
    try:
        try:
            info = client.identify()
        except failures as exc:
            summary.status, summary.message = "failed", f"Identify failed: {exc}"
            summary.run_id = store.start_run(source.id, summary.mode, None, None)
            store.finish_run(summary.run_id, "failed", counts, 0, 0, summary.message)
            return summary
        summary.findings.extend(info.findings)
        window, is_full, signpost = choose_window(
            source,
            store,
            full=full,
            since=since,
            until=until,
            granularity=info.granularity,
            started=started,
            full_pulls_only=client.full_pulls_only,
        )
        summary.mode = "full" if is_full else "incremental"
        summary.window_from, summary.window_until = window.from_, window.until
        run_id = summary.run_id = store.start_run(source.id, summary.mode, window.from_, window.until)
        from_moment = parse_datestamp(window.from_) if window.from_ else None
        tolerance = timedelta(days=1) if info.granularity == DAY else BOOKMARK_OVERLAP
        complete = True
        unidentified = 0
        try:
            # One page ahead: the provider builds (and sends) page N+1 while page N is committed here.
            with prefetched(client.list_records(window)) as pages:
                for page in pages:
                    summary.findings.extend(page.findings)
                    complete = complete and not page.ended_early
                    page_counts = store.upsert(page.records, run_id)
                    counts.add(page_counts)
                    if on_commit:  # records of this page that need processing, now committed
                        on_commit(page_counts.new + page_counts.changed + page_counts.deleted)
                    if page.skipped:
                        store.mark_seen(source.id, page.skipped, run_id)
                    unidentified += page.unidentified
                    summary.fetched += len(page.records)
                    if (
                        from_moment is not None
                        and not is_full
                        and any(
                            (m := parse_datestamp(r.datestamp)) is not None and m < from_moment - tolerance
                            for r in page.records
                        )
                    ):
                        # Records older than `from` coming back: the provider ignores `from`, so this is a full pull.
                        summary.findings.append(
                            "provider ignores 'from': treated as a full pull"
                            " (set ignores_from = true for this source)"
                        )
                        is_full = True
                        summary.mode = "full"
                    if progress:
                        progress(source.id, summary.fetched, time.monotonic() - clock)
        except failures as exc:
            complete = False
            summary.failed_pages += 1
            summary.status = "failed"
            summary.message = f"window {window.from_ or '-'}..{window.until or '-'} failed: {exc}"
            log.error("%s: %s", source.id, summary.message)

        if complete and is_full:
            missing = store.missing_since(source.id, run_id)
            known = store.live_count(source.id)
            if missing and unidentified:
                # Any of the missing records may be one the provider served without an identifier.
                summary.findings.append(
                    f"{unidentified} record(s) without identifier: {missing} missing records kept"
                    " (no set-difference deletions this run)"
                )
            elif missing and summary.fetched == 0:
                summary.findings.append(f"full pull returned nothing; {missing} known records kept")
            elif missing and guard.refuses(missing, known) and not allow_mass_deletion:
                summary.status = "needs_decision"
                summary.pending_deletions = missing
                summary.message = (
                    f"{missing} of {known} records are missing from the full pull; not deleted."
                    f" Check the provider, then run: pankg harvest {source.id} --full --allow-mass-deletion"
                )
            elif missing:
                counts.deleted += store.delete_missing(source.id, run_id)
        if summary.status == "ok" and complete and not (source.ignores_from or client.full_pulls_only):
            advance_bookmark(store, source, window, signpost, run_id)
    except STORE_ERRORS as exc:
        # What was committed stays committed (each page is one transaction); the bookmark did not move.
        summary.status, summary.message = "failed", store_failure(store, exc)
        log.error("%s: %s", source.id, summary.message)
    finally:
        session.close()
        summary.take_counts(counts)
        summary.seconds = time.monotonic() - clock
        if run_id:
            try:
                store.add_findings(run_id, source.id, "provider", summary.findings)
                store.finish_run(
                    run_id, summary.status, counts, summary.fetched, summary.failed_pages, summary.message
                )
            except STORE_ERRORS as exc:
                # The disk that failed the harvest may refuse the run log too: report, never mask.
                summary.status = "failed"
                summary.message = (summary.message + "; " if summary.message else "") + (
                    f"run log not updated: {store_failure(store, exc)}"
                )
                log.error("%s: %s", source.id, summary.message)
    return summary


def harvest_records(
    source: Source,
    store: RawStore,
    identifiers: list[str],
    *,
    policy: HttpPolicy | None = None,
) -> SourceSummary:
    """Fetch just these records (OAI `GetRecord`, or the API's item endpoint) into the raw store.

    A record the provider no longer has becomes a tombstone. Bookmarks do not move.
    """
    clock = time.monotonic()
    summary = SourceSummary(source=source.id, mode="records")
    if source.protocol not in PROTOCOLS:
        summary.status, summary.message = "failed", f"protocol {source.protocol!r} is not supported yet"
        return summary
    session, client, failures = open_client(source, policy)
    counts = UpsertCounts()
    run_id = summary.run_id = store.start_run(source.id, "records", None, None)
    problems: list[str] = []
    try:
        for identifier in identifiers:
            try:
                record = client.get_record(identifier)
            except failures as exc:
                problems.append(f"{identifier}: {exc}")
                continue
            if record is None:
                known = store.stored(source.id, identifier)
                if known is None:
                    problems.append(f"{identifier}: the provider does not know this record")
                    continue
                # Gone at the provider: an explicit deletion, applied like an OAI `deleted` header.
                record = RawRecord(
                    source.id, identifier, known.datestamp, known.metadata_prefix, b"", deleted=True
                )
            counts.add(store.upsert([record], run_id))
            summary.fetched += 1
    finally:
        session.close()
        summary.take_counts(counts)
        if problems:
            summary.status = "failed"
            summary.failed_pages = len(problems)
            summary.message = "; ".join(problems)[:2000]
        summary.seconds = time.monotonic() - clock
        store.finish_run(
            run_id, summary.status, counts, summary.fetched, summary.failed_pages, summary.message
        )
    return summary
