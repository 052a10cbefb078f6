"""Progress of a long harvest: a live line on a terminal, a log line every few seconds otherwise."""

from __future__ import annotations

import logging
import sys
import time


class Progress:
    def __init__(self, logger: logging.Logger | logging.LoggerAdapter, every_seconds: float = 10.0) -> None:
        self.logger = logger
        self.every_seconds = every_seconds
        self.interactive = sys.stderr.isatty()
        self._last = 0.0

    def __call__(self, source: str, fetched: int, seconds: float) -> None:
        rate = fetched / seconds if seconds > 0 else 0.0
        if self.interactive:
            sys.stderr.write(f"\r{source}: {fetched:,} records, {rate:,.0f} records/s ")
            sys.stderr.flush()
        elif time.monotonic() - self._last >= self.every_seconds:
            self._last = time.monotonic()
            self.logger.info("%s: %d records so far (%.0f records/s)", source, fetched, rate)

    def done(self) -> None:
        if self.interactive:
            sys.stderr.write("\n")
