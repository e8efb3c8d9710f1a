"""The loopback end of a browser login: a one-shot HTTP server on 127.0.0.1 that the login flow
redirects the browser to with ``?code=…&state=…`` (reference http-api §4.2), as native apps do
(RFC 8252 §7.3)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

_DONE_PAGE = (
    b"<!doctype html><meta charset=utf-8><title>gestalt</title>"
    b"<p>You are logged in to gestalt. You can close this tab and return to the terminal.</p>"
)
_FAILED_PAGE = (
    b"<!doctype html><meta charset=utf-8><title>gestalt</title>"
    b"<p>The login did not finish. Return to the terminal for details.</p>"
)


@dataclass(frozen=True, slots=True)
class Redirect:
    code: str = ""
    state: str = ""
    error: str = ""


class Loopback:
    """Listens on ``127.0.0.1:port`` (0: any free port) until the first request carrying a code
    or an error arrives; anything else (a favicon) is answered 404 and ignored."""

    def __init__(self, port: int = 0) -> None:
        self._arrived = threading.Event()
        self._redirect = Redirect()
        self._server = HTTPServer(("127.0.0.1", port), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def wait(self, timeout: float) -> Redirect | None:
        """The redirect, or None when none came within ``timeout`` seconds."""
        return self._redirect if self._arrived.wait(timeout) else None

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> Loopback:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        loopback = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                query = dict(parse_qsl(urlsplit(self.path).query))
                if not loopback._arrived.is_set() and ("code" in query or "error" in query):
                    error = query.get("error_description") or query.get("error", "")
                    loopback._redirect = Redirect(query.get("code", ""), query.get("state", ""), error)
                    self._page(200, _FAILED_PAGE if error else _DONE_PAGE)
                    loopback._arrived.set()
                else:
                    self._page(404, b"not found")

            def _page(self, status: int, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass  # the code in the query string must not reach the terminal

        return Handler
