"""A real HTTP server on 127.0.0.1 that records every request and answers as scripted.

Used as the fake upstream API: tests assert on exactly what the gateway sent.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.support.http_server import QuietHandler, start_server


@dataclass
class Recorded:
    method: str
    path: str
    query: list[tuple[str, str]]
    headers: dict[str, str]
    body: bytes
    target: str = ""  # the request target exactly as sent (path and query, still percent-encoded)

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    def snapshot(self, redact: tuple[str, ...] = ("authorization",)) -> dict[str, Any]:
        """A stable view for syrupy: volatile headers dropped, secrets redacted."""
        volatile = {"host", "content-length", "accept-encoding", "connection", "user-agent", "accept"}
        headers = {
            k.lower(): ("<redacted>" if k.lower() in redact else v)
            for k, v in sorted(self.headers.items())
            if k.lower() not in volatile
        }
        return {
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "headers": headers,
            "body": self.json() if self.body.startswith((b"{", b"[")) else self.body.decode(errors="replace"),
        }


Reply = tuple[int, dict[str, str], bytes]


@dataclass
class Upstream:
    url: str
    requests: list[Recorded] = field(default_factory=list)
    replies: dict[str, Callable[[Recorded], Reply]] = field(default_factory=dict)

    def reply(
        self, path: str, status: int = 200, body: Any = None, headers: dict[str, str] | None = None
    ) -> None:
        payload = (
            body
            if isinstance(body, bytes)
            else json.dumps(body if body is not None else {"ok": True}).encode()
        )
        hdrs = {"Content-Type": "application/json", **(headers or {})}
        self.replies[path] = lambda _req: (status, hdrs, payload)

    def last(self) -> Recorded:
        assert self.requests, "the upstream received no request"
        return self.requests[-1]


def start_upstream() -> tuple[Upstream, Callable[[], None]]:
    upstream = Upstream(url="")

    class Handler(QuietHandler):
        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            parts = urlsplit(self.path)
            rec = Recorded(
                self.command,
                parts.path,
                parse_qsl(parts.query, keep_blank_values=True),
                dict(self.headers),
                body,
                self.path,
            )
            upstream.requests.append(rec)
            responder = upstream.replies.get(parts.path)
            if responder is None:
                status, headers, payload = (
                    200,
                    {"Content-Type": "application/json"},
                    json.dumps(
                        {
                            "method": rec.method,
                            "path": rec.path,
                            "query": rec.query,
                            "body": rec.json()
                            if body.startswith((b"{", b"["))
                            else body.decode(errors="replace"),
                        }
                    ).encode(),
                )
            else:
                status, headers, payload = responder(rec)
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(payload)  # the gateway may have given up first (timeout tests)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

    upstream.url, stop = start_server(Handler)
    return upstream, stop
