"""A lean HTTP/1.1 client for the hot path: asyncio protocol + httptools parser + keep-alive pool.

Measured on this machine kind (bench/, one Granian worker, 32 connections, loopback upstream): a bare
ASGI forward through aiohttp's ClientSession peaks near 3,000 req/s, the same forward through this
client near 8,800 req/s; p50 at one connection drops from about 430 µs to 280 µs. It speaks only
what an API gateway needs: HTTP/1.1 over TCP or TLS, Content-Length and chunked bodies (httptools
decodes them), gzip/deflate decoding, no redirects, no proxies, no cookies.
"""

from __future__ import annotations

import asyncio
import ssl
import zlib
from collections import deque
from dataclasses import dataclass
from urllib.parse import urlsplit

import httptools

from engine import __version__
from engine.egress.request import OutboundRequest

MAX_BODY = 50 * 1024 * 1024
USER_AGENT = f"User-Agent: gestaltd/{__version__}"


class ConnectionClosed(ConnectionError):
    """The peer closed the connection before a complete response arrived."""


@dataclass(frozen=True, slots=True)
class RawResponse:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes

    def header(self, name: bytes) -> str | None:
        for key, value in self.headers:
            if key.lower() == name:
                return value.decode("latin-1")
        return None


class _Connection(asyncio.Protocol):
    """One keep-alive connection; one request at a time."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.waiter: asyncio.Future[RawResponse] | None = None
        self.headers: list[tuple[bytes, bytes]] = []
        self.body: list[bytes] = []
        self.size = 0
        self.closed = False
        self.got_bytes = False
        self.head = False
        self.reusable = False
        self.headers_done = False

    # --- asyncio.Protocol ---
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.got_bytes = True
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._fail(ConnectionClosed("unexpected protocol upgrade"))
        except httptools.HttpParserError as exc:
            self._fail(exc)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.headers_done and self._delimited_by_close():
            self._complete()  # a body that runs until the connection closes
        self._fail(ConnectionClosed("connection closed by upstream"))

    def _delimited_by_close(self) -> bool:
        names = {k.lower() for k, _ in self.headers}
        return b"content-length" not in names and b"transfer-encoding" not in names

    # --- httptools callbacks ---
    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name, value))

    def on_headers_complete(self) -> None:
        self.headers_done = True
        if self.head:
            self._complete()

    def on_body(self, chunk: bytes) -> None:
        if self.size < MAX_BODY:
            chunk = chunk[: MAX_BODY - self.size]
            self.body.append(chunk)
            self.size += len(chunk)

    def on_message_complete(self) -> None:
        if not self.head:
            self._complete()

    # --- internals ---
    def _complete(self) -> None:
        waiter = self.waiter
        if waiter is None or waiter.done():
            return
        self.reusable = bool(self.parser.should_keep_alive()) and not self.closed
        waiter.set_result(RawResponse(self.parser.get_status_code(), self.headers, b"".join(self.body)))

    def _fail(self, exc: Exception) -> None:
        self.reusable = False
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(exc)

    def start(self, payload: bytes, head: bool) -> asyncio.Future[RawResponse]:
        assert self.transport is not None
        self.waiter = asyncio.get_running_loop().create_future()
        self.headers, self.body, self.size = [], [], 0
        self.got_bytes, self.head, self.reusable, self.headers_done = False, head, False, False
        self.parser = httptools.HttpResponseParser(self)
        self.transport.write(payload)
        return self.waiter

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()


@dataclass(frozen=True, slots=True)
class _Origin:
    scheme: str
    host: str
    port: int

    @property
    def host_header(self) -> str:
        default = 443 if self.scheme == "https" else 80
        return self.host if self.port == default else f"{self.host}:{self.port}"


class Http1Pool:
    """Keep-alive connections per origin. ``max_idle`` idle connections are kept per origin."""

    def __init__(self, max_idle: int = 256, ssl_context: ssl.SSLContext | None = None) -> None:
        self.max_idle = max_idle
        self.ssl_context = ssl_context
        self._idle: dict[_Origin, deque[_Connection]] = {}

    async def request(self, request: OutboundRequest) -> RawResponse:
        origin, target = _split(request.url)
        payload = _serialise(request, origin, target)
        head = request.method == "HEAD"
        conn, reused = await self._acquire(origin)
        try:
            response = await conn.start(payload, head)
        except ConnectionClosed:
            conn.close()
            if not (reused and not conn.got_bytes):
                raise
            # A pooled connection the upstream had already closed: retry once on a fresh one.
            conn = await self._connect(origin)
            try:
                response = await conn.start(payload, head)
            except BaseException:
                conn.close()
                raise
        except BaseException:
            conn.close()  # cancelled or failed mid-response: never reuse
            raise
        self._release(origin, conn)
        return response

    async def _acquire(self, origin: _Origin) -> tuple[_Connection, bool]:
        idle = self._idle.get(origin)
        while idle:
            conn = idle.pop()
            if not conn.closed and conn.transport is not None and not conn.transport.is_closing():
                return conn, True
        return await self._connect(origin), False

    async def _connect(self, origin: _Origin) -> _Connection:
        loop = asyncio.get_running_loop()
        tls = None
        if origin.scheme == "https":
            tls = self.ssl_context or _default_tls()
        _, conn = await loop.create_connection(
            _Connection, origin.host, origin.port, ssl=tls, server_hostname=origin.host if tls else None
        )
        return conn

    def _release(self, origin: _Origin, conn: _Connection) -> None:
        if not conn.reusable or conn.closed:
            conn.close()
            return
        idle = self._idle.setdefault(origin, deque())
        if len(idle) >= self.max_idle:
            conn.close()
            return
        idle.append(conn)

    def close(self) -> None:
        for idle in self._idle.values():
            for conn in idle:
                conn.close()
        self._idle.clear()


_TLS: ssl.SSLContext | None = None


def _default_tls() -> ssl.SSLContext:
    global _TLS
    if _TLS is None:
        _TLS = ssl.create_default_context()
    return _TLS


def _split(url: str) -> tuple[_Origin, str]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("unsupported URL")
    port = parts.port or (443 if scheme == "https" else 80)
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    return _Origin(scheme, parts.hostname, port), target


def _serialise(request: OutboundRequest, origin: _Origin, target: str) -> bytes:
    lines = [f"{request.method} {target} HTTP/1.1", f"Host: {origin.host_header}"]
    if not any(k.lower() == "user-agent" for k in request.headers):
        lines.append(USER_AGENT)
    for key, value in request.headers.items():
        if "\r" in value or "\n" in value or "\r" in key or "\n" in key:
            raise ValueError("header values may not contain line breaks")
        lines.append(f"{key}: {value}")
    body = request.body
    if body is not None:
        lines.append(f"Content-Length: {len(body)}")
    elif request.method in ("POST", "PUT", "PATCH"):
        lines.append("Content-Length: 0")
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "strict")
    return head + body if body else head


def decode_body(response: RawResponse) -> bytes:
    """Undo gzip/deflate Content-Encoding (we never ask for it, but some upstreams send it)."""
    encoding = (response.header(b"content-encoding") or "").strip().lower()
    if encoding in ("gzip", "x-gzip"):
        return zlib.decompress(response.body, 16 + zlib.MAX_WBITS)
    if encoding == "deflate":
        try:
            return zlib.decompress(response.body)
        except zlib.error:
            return zlib.decompress(response.body, -zlib.MAX_WBITS)
    return response.body
