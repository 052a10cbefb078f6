"""A WSGI app served on a free loopback port in a background thread."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class LoopbackServer:
    """`with LoopbackServer(app) as server: server.url` -> http://127.0.0.1:PORT/"""

    def __init__(self, app: WsgiApp, path: str = "/") -> None:
        self._httpd = make_server(
            "127.0.0.1", 0, app, server_class=_ThreadingWSGIServer, handler_class=_QuietHandler
        )
        self.port = self._httpd.server_port
        self.url = f"http://127.0.0.1:{self.port}{path}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def __enter__(self) -> LoopbackServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


class FastLoopbackServer(LoopbackServer):
    """LoopbackServer polling for shutdown every 20 ms instead of 500: fifty tests, each a server or two."""

    def __init__(self, app: WsgiApp, path: str = "/") -> None:
        super().__init__(app, path)
        self._thread = threading.Thread(target=lambda: self._httpd.serve_forever(0.02), daemon=True)
