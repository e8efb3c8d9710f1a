"""The outbound HTTP client: the one module that talks to upstream APIs.

``GatewayClient`` adds what every call needs (a total timeout, retries of idempotent calls on
429/502/503/504 with a capped ``Retry-After``, the 50 MiB body cap, error translation) on top of a
swappable transport. The default transport is the lean HTTP/1.1 pool in ``http1.py``; aiohttp is
kept as an alternative (``GESTALT_EGRESS_CLIENT=aiohttp``) so ``bench/`` can compare the two in
one run. httpx's default pool is not used: it collapses under concurrency (about 340 req/s at 32
connections here). Library exceptions are translated into the engine's error tree once, here.
"""

from __future__ import annotations

import asyncio
import os
import ssl
from dataclasses import dataclass
from typing import Any, Protocol

from engine.egress.request import OutboundRequest, Result
from engine.errors import (
    BadRequest,
    UpstreamHTTPError,
    UpstreamReadError,
    UpstreamTimeout,
    UpstreamUnreachable,
)

MAX_BODY = 50 * 1024 * 1024
RETRY_STATUSES = frozenset({429, 502, 503, 504})
IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})

# (status, content type, body, Retry-After)
Exchange = tuple[int, str, bytes, str | None]


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    attempts: int = 3  # total tries, the first included
    base_delay: float = 0.5
    max_delay: float = 10.0  # cap for Retry-After and backoff

    def delay(self, attempt: int, retry_after: str | None) -> float:
        if retry_after and retry_after.strip().isdigit():
            return min(float(retry_after.strip()), self.max_delay)
        return min(self.base_delay * float(2**attempt), self.max_delay)


class HttpClient(Protocol):
    async def send(self, request: OutboundRequest) -> Result: ...

    async def close(self) -> None: ...


class Transport(Protocol):
    """One exchange, no retries; raises the engine's Upstream* errors for transport failures."""

    async def exchange(self, request: OutboundRequest) -> Exchange: ...

    async def close(self) -> None: ...


class GatewayClient:
    def __init__(self, transport: Transport, timeout: float = 30.0, retry: RetryPolicy | None = None) -> None:
        self.transport = transport
        self.timeout = timeout
        self.retry = retry or RetryPolicy()

    async def send(self, request: OutboundRequest) -> Result:
        attempts = self.retry.attempts if request.method in IDEMPOTENT else 1
        for attempt in range(attempts):
            try:
                async with asyncio.timeout(self.timeout):
                    status, content_type, body, retry_after = await self.transport.exchange(request)
            except TimeoutError:
                raise UpstreamTimeout() from None
            if status in RETRY_STATUSES and attempt + 1 < attempts:
                await asyncio.sleep(self.retry.delay(attempt, retry_after))
                continue
            if status >= 400:
                raise UpstreamHTTPError(status, content_type or "application/json", body)
            return Result(status, content_type, body)
        raise AssertionError("unreachable")  # pragma: no cover

    async def close(self) -> None:
        await self.transport.close()


class Http1Transport:
    def __init__(self, ssl_context: ssl.SSLContext | None = None) -> None:
        from engine.egress.http1 import Http1Pool

        self.pool = Http1Pool(ssl_context=ssl_context)

    async def exchange(self, request: OutboundRequest) -> Exchange:
        import httptools

        from engine.egress.http1 import ConnectionClosed, decode_body

        try:
            raw = await self.pool.request(request)
        except (UnicodeEncodeError, ValueError) as exc:
            if isinstance(exc, UnicodeEncodeError) or "header" in str(exc):
                raise BadRequest("request header values must be latin-1 text without line breaks") from None
            raise UpstreamUnreachable() from exc
        except ConnectionClosed as exc:
            raise UpstreamReadError() from exc
        except httptools.HttpParserError as exc:
            raise UpstreamReadError() from exc
        except (OSError, ssl.SSLError) as exc:
            raise UpstreamUnreachable() from exc
        try:
            body = decode_body(raw)
        except Exception as exc:  # zlib.error: a corrupt compressed body
            raise UpstreamReadError() from exc
        return raw.status, raw.header(b"content-type") or "", body, raw.header(b"retry-after")

    async def close(self) -> None:
        self.pool.close()


class AiohttpTransport:
    """aiohttp's ClientSession: kept for comparison in the bench and as a fallback transport."""

    def __init__(self) -> None:
        self._session: Any = None

    def _get_session(self) -> Any:
        import aiohttp

        if self._session is None:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=0), skip_auto_headers=("User-Agent",)
            )
        return self._session

    async def exchange(self, request: OutboundRequest) -> Exchange:
        import aiohttp

        session = self._get_session()
        try:
            async with session.request(
                request.method, request.url, headers=request.headers, data=request.body, allow_redirects=False
            ) as resp:
                body = (await resp.read())[:MAX_BODY]
                return (
                    resp.status,
                    resp.headers.get("Content-Type", ""),
                    body,
                    resp.headers.get("Retry-After"),
                )
        except (aiohttp.ClientPayloadError, aiohttp.ServerDisconnectedError) as exc:
            raise UpstreamReadError() from exc
        except (aiohttp.ClientError, OSError) as exc:
            raise UpstreamUnreachable() from exc

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()


def default_client(timeout: float = 30.0, retry: RetryPolicy | None = None) -> GatewayClient:
    transport: Transport = (
        AiohttpTransport() if os.environ.get("GESTALT_EGRESS_CLIENT") == "aiohttp" else (Http1Transport())
    )
    return GatewayClient(transport, timeout, retry)
