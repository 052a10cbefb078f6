"""HTTP for every harvester: one session per source with bounded retries and a politeness limit.

Retries are urllib3's: back-off on 429 / 5xx, connection errors and time-outs, honouring `Retry-After`
(seconds or HTTP date) but never waiting longer than `max_retry_after` for one attempt. urllib3 retries only
up to the response headers; the body is read here, under a total deadline and a size cap (a server that
drips one byte per second never trips a per-read time-out), and a body that breaks off is fetched again.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import requests
import urllib3.exceptions
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
    # Reading one body may take at most this long in total, and bring at most this many bytes.
    max_body_seconds: float = 600.0
    max_body_bytes: int = 512 * 1024 * 1024


class _BodyError(Exception):
    """The body broke off, stalled past the deadline or grew past the cap (`retriable` says which)."""

    def __init__(self, reason: str, retriable: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retriable = retriable


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
        """GET with retries; returns the final response, body read, whatever its status (callers decide)."""
        attempt = 0
        while True:
            self._wait_turn()
            response = self._send(url, params)
            try:
                self._read_body(response)
                return response
            except _BodyError as exc:
                response.close()
                if not exc.retriable or attempt >= self.policy.retries:
                    tries = f" (after {attempt + 1} attempts)" if exc.retriable else ""
                    raise FetchError(response.url, f"{exc.reason}{tries}", response.status_code) from exc
                attempt += 1
                time.sleep(min(self.policy.backoff_factor * 2 ** (attempt - 1), self.policy.backoff_max))

    def _send(self, url: str, params: dict[str, str] | None) -> requests.Response:
        try:
            return self._session.get(url, params=params, timeout=self.policy.timeout_seconds, stream=True)
        except requests.exceptions.RequestException as exc:
            # Name the page (its query carries the resumption token), not just the endpoint.
            raise self._failure(
                requests.Request("GET", url, params=params).prepare().url or url, exc
            ) from exc

    def _failure(self, url: str, exc: requests.exceptions.RequestException) -> FetchError:
        errors = requests.exceptions
        if isinstance(exc, errors.TooManyRedirects):
            return FetchError(url, f"too many redirects ({exc})")
        if isinstance(exc, errors.RetryError):
            return FetchError(url, f"gave up after {self.policy.retries} retries ({exc})")
        if isinstance(exc, errors.Timeout):
            return FetchError(url, f"timed out after {self.policy.timeout_seconds:g} s ({exc})")
        if isinstance(exc, errors.ConnectionError):
            return FetchError(url, f"connection failed ({exc})")
        return FetchError(url, f"request failed ({exc})")

    def _read_body(self, response: requests.Response) -> None:
        """Read the whole body into `response.content`, within the deadline and the size cap."""
        deadline = time.monotonic() + self.policy.max_body_seconds
        chunks: list[bytes] = []
        size = 0
        try:
            # read1 returns what has arrived: the deadline is checked even while a server drips bytes.
            while chunk := response.raw.read1(64 * 1024, decode_content=True):
                size += len(chunk)
                if size > self.policy.max_body_bytes:
                    raise _BodyError(
                        f"response body larger than {self.policy.max_body_bytes:,} bytes; not read", False
                    )
                if time.monotonic() > deadline:
                    raise _BodyError(
                        f"response body still arriving after {self.policy.max_body_seconds:g} s"
                        f" ({size:,} bytes so far); stalled server",
                        True,
                    )
                chunks.append(chunk)
        except urllib3.exceptions.ReadTimeoutError as exc:
            raise _BodyError(
                f"timed out after {self.policy.timeout_seconds:g} s while reading the body"
                f" ({size:,} bytes received)",
                True,
            ) from exc
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise _BodyError(f"body broke off after {size:,} bytes ({exc})", True) from exc
        # requests' own cache of the body: `.content` / `.text` now read from memory.
        response._content = b"".join(chunks)
        response._content_consumed = True
        response.close()

    def close(self) -> None:
        self._session.close()
