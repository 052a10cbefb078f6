"""Run a page iterator one page ahead in a thread, so that fetching page N+1 overlaps storing page N.

The harvester's pages come from a provider that needs time to build each one (and, remote, a network
round trip); while it waits, this process stores the previous page. HTTP and libxml2's parsing release the
GIL, SQLite's steps too, so the two threads share one core well and the provider gets the other.

What the consumer sees is unchanged: the same pages in the same order, and an error raised by the
iterator is raised at the page where it happened, after every earlier page was handed over. Leaving the
`with` block (normally, on an exception, or on a break) stops the thread: it fetches nothing more once it
sees the stop, and it closes the iterator itself (a generator can only be closed by the thread running it).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")

_END = object()


@contextmanager
def prefetched(items: Iterator[T], *, depth: int = 1) -> Iterator[Iterator[T]]:
    """`with prefetched(pages) as ahead: for page in ahead: ...`; at most `depth` finished pages wait
    in the queue (plus the one being stored and the one being fetched: memory stays bounded)."""
    handover: queue.Queue[tuple[bool, object]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def offer(item: tuple[bool, object]) -> bool:
        # A bounded wait, so that a consumer that has gone away never leaves this thread blocked.
        while not stop.is_set():
            try:
                handover.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:
        try:
            # The stop is checked before each step, so nothing is fetched once the consumer has gone.
            while not stop.is_set():
                try:
                    item = next(items)
                except StopIteration:
                    offer((True, _END))
                    return
                if not offer((True, item)):
                    return
        except BaseException as exc:  # handed to the consumer, raised there in order
            offer((False, exc))
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()

    def consume() -> Iterator[T]:
        while True:
            ok, item = handover.get()
            if not ok:
                assert isinstance(item, BaseException)
                raise item
            if item is _END:
                return
            yield item  # type: ignore[misc]

    thread = threading.Thread(target=work, name="prefetch", daemon=True)
    thread.start()
    try:
        yield consume()
    finally:
        stop.set()
        # Not joined: the thread may be inside a request (up to its time-out); it ends by itself, and what
        # it fetches after the stop is dropped. Drain so that a blocked put sees the stop at once.
        while True:
            try:
                handover.get_nowait()
            except queue.Empty:
                break
