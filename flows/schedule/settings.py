"""The scheduler's settings: cron, parallelism, retries and time limits (environment, then flags)."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Any, ClassVar


@dataclass(frozen=True)
class ScheduleSettings:
    """Declared once: each field is read from the environment variable in its metadata; flags override."""

    cron: str = "0 2 * * *"
    timezone: str = "UTC"
    max_parallel_sources: int = 4
    source_retries: int = 2
    retry_delay_seconds: float = 600.0
    source_timeout_seconds: float = 6 * 3600.0

    ENV: ClassVar[dict[str, tuple[str, str]]] = {
        "cron": ("PANKG_NIGHTLY_CRON", "cron of the nightly run"),
        "timezone": ("PANKG_NIGHTLY_TIMEZONE", "time zone of the cron"),
        "max_parallel_sources": ("PANKG_MAX_PARALLEL_SOURCES", "sources harvested at once, node-wide"),
        "source_retries": ("PANKG_SOURCE_RETRIES", "retries of a failed source within one run"),
        "retry_delay_seconds": ("PANKG_RETRY_DELAY_SECONDS", "wait before retrying a failed source"),
        "source_timeout_seconds": ("PANKG_SOURCE_TIMEOUT_SECONDS", "time limit of one source's run"),
    }

    @classmethod
    def from_env(cls, **overrides: Any) -> ScheduleSettings:
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = overrides.get(f.name)
            if raw is None:
                raw = os.environ.get(cls.ENV[f.name][0])
            if raw is None:
                continue
            kind = type(getattr(cls, f.name))
            try:
                values[f.name] = kind(raw)
            except ValueError as exc:
                raise ValueError(f"{cls.ENV[f.name][0]}={raw!r}: not a {kind.__name__}") from exc
        result = cls(**values)
        result.validate()
        return result

    def validate(self) -> None:
        from prefect._vendor.croniter import croniter  # what Prefect's own CronSchedule uses

        if not croniter.is_valid(self.cron):
            raise ValueError(f"invalid cron {self.cron!r}")
        if self.max_parallel_sources < 1 or self.source_retries < 0 or self.source_timeout_seconds <= 0:
            raise ValueError("max_parallel_sources >= 1, source_retries >= 0, source_timeout_seconds > 0")

    def next_nightly(self, after: datetime | None = None) -> datetime:
        """The next nightly run by configuration (what `status` shows when no scheduler answers)."""
        from zoneinfo import ZoneInfo

        from prefect._vendor.croniter import croniter

        start = (after or datetime.now(UTC)).astimezone(ZoneInfo(self.timezone))
        return croniter(self.cron, start).get_next(datetime).astimezone(UTC)
