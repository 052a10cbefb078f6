"""HTTP for every harvester: one session per source with bounded retries and a politeness limit.

Retries are urllib3's: back-off on 429 / 5xx, connection errors and time-outs, honouring `Retry-After`
(seconds or HTTP date) but never waiting longer than `max_retry_after` for one attempt.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

USER_AGENT = "pan-kg-harvester/0.1 (+https://w3id.org/pan-kg)"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class FetchError(RuntimeError):
    """A request that failed after its retries; names the URL and the reason."""

    def __init__(self, url: str, reason: str, status: int | None = None) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason
        self.status = status


class BoundedRetry(Retry):
    """urllib3's Retry, with the server's `Retry-After` capped so a hostile value cannot stall a run."""

    max_retry_after: float = 300.0

    def get_retry_after(self, response):  # type: ignore[no-untyped-def]
        seconds = super().get_retry_after(response)
        return None if seconds is None else min(seconds, self.max_retry_after)

    def new(self, **kw):  # type: ignore[no-untyped-def]
        retry = super().new(**kw)
        retry.max_retry_after = self.max_retry_after
        return retry


@dataclass
class HttpPolicy:
    retries: int = 5
    # A host that cannot be reached at all rarely comes back within seconds: fewer attempts.
    connect_retries: int = 2
    backoff_factor: float = 1.0
    backoff_max: float = 120.0
    max_retry_after: float = 300.0
    timeout_seconds: float = 60.0
    requests_per_second: float = 2.0


class PoliteSession:
    """A requests session that keeps at most `requests_per_second` requests per second to one source."""

    def __init__(self, policy: HttpPolicy) -> None:
        self.policy = policy
        retry = BoundedRetry(
            total=policy.retries,
            connect=min(policy.connect_retries, policy.retries),
            read=policy.retries,
            status=policy.retries,
            status_forcelist=RETRY_STATUSES,
            allowed_methods=frozenset({"GET"}),
            backoff_factor=policy.backoff_factor,
            backoff_max=policy.backoff_max,
            respect_retry_after_header=True,
            raise_on_status=False,
            raise_on_redirect=False,
        )
        retry.max_retry_after = policy.max_retry_after
        self._session = requests.Session()
        self._session.headers["User-Agent"] = USER_AGENT
        self._session.max_redirects = 10
        adapter = HTTPAdapter(max_retries=retry)
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)
        self._lock = threading.Lock()
        self._next_allowed = 0.0

    def _wait_turn(self) -> None:
        if self.policy.requests_per_second <= 0:
            return
        with self._lock:
            now = time.monotonic()
            delay = self._next_allowed - now
            self._next_allowed = max(now, self._next_allowed) + 1.0 / self.policy.requests_per_second
        if delay > 0:
            time.sleep(delay)

    def get(self, url: str, params: dict[str, str] | None = None) -> requests.Response:
        """GET with retries; returns the final response whatever its status (callers decide)."""
        self._wait_turn()
        try:
            return self._session.get(url, params=params, timeout=self.policy.timeout_seconds)
        except requests.exceptions.TooManyRedirects as exc:
            raise FetchError(url, f"too many redirects ({exc})") from exc
        except requests.exceptions.RetryError as exc:
            raise FetchError(url, f"gave up after {self.policy.retries} retries ({exc})") from exc
        except requests.exceptions.Timeout as exc:
            raise FetchError(url, f"timed out after {self.policy.timeout_seconds:g} s ({exc})") from exc
        except requests.exceptions.ConnectionError as exc:
            raise FetchError(url, f"connection failed ({exc})") from exc
        except requests.exceptions.RequestException as exc:
            raise FetchError(url, f"request failed ({exc})") from exc

    def close(self) -> None:
        self._session.close()
