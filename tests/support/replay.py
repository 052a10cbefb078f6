"""Replays recorded OAI-PMH responses (the real Zenodo recording in ../shared/data/oai-pmh/zenodo-2024-01)
from a loopback HTTP server: same body, status, Content-Type and Retry-After as recorded.

Requests are matched on their query parameters, whatever their order. A test may override what one
request gets (a truncated body, a 503 first) to make broken variants from the real responses.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

Query = frozenset[tuple[str, str]]


@dataclass
class Reply:
    status: int
    body: bytes
    headers: list[tuple[str, str]]


def query_key(query: str) -> Query:
    return frozenset(parse_qsl(query, keep_blank_values=True))


class Recording:
    def __init__(self, directory: Path) -> None:
        self.replies: dict[Query, Reply] = {}
        for entry in json.loads((directory / "index.json").read_text(encoding="utf-8")):
            if not entry.get("file"):
                continue
            headers = [("Content-Type", entry["content_type"])]
            if entry.get("retry_after"):
                headers.append(("Retry-After", entry["retry_after"]))
            key = query_key(urlsplit(entry["request_uri"]).query)
            self.replies[key] = Reply(entry["http_status"], (directory / entry["file"]).read_bytes(), headers)
        # Tests install one-shot or permanent overrides here: key -> callable returning a Reply.
        self.overrides: dict[Query, Callable[[], Reply | None]] = {}
        self.requests: list[Query] = []
        self._lock = threading.Lock()

    def reply_for(self, query: str) -> Reply:
        key = query_key(query)
        with self._lock:
            self.requests.append(key)
        override = self.overrides.get(key)
        if override is not None:
            reply = override()
            if reply is not None:
                return reply
        return self.replies.get(key) or Reply(404, b"not recorded", [("Content-Type", "text/plain")])

    def app(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        reply = self.reply_for(environ.get("QUERY_STRING", ""))
        reasons = {
            200: "OK",
            404: "Not Found",
            422: "Unprocessable Entity",
            429: "Too Many Requests",
            500: "Internal Server Error",
            503: "Service Unavailable",
        }
        start_response(
            f"{reply.status} {reasons.get(reply.status, 'Status')}",
            [*reply.headers, ("Content-Length", str(len(reply.body)))],
        )
        return [reply.body]
