"""The outbound HTTP client: the one module that talks to upstream APIs.

Backed by aiohttp: httpx's default pool collapses under concurrency (about 340 req/s at 32
connections on loopback, against about 6,000 for aiohttp; see ``bench/``). Swap the transport
here and nowhere else. Library exceptions are translated into the engine's error tree once, here.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Protocol

import aiohttp

from engine.egress.request import OutboundRequest, Result
from engine.errors import (
    UpstreamHTTPError,
    UpstreamReadError,
    UpstreamTimeout,
    UpstreamUnreachable,
)

MAX_BODY = 50 * 1024 * 1024
RETRY_STATUSES = frozenset({429, 502, 503, 504})
IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})


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


class AiohttpClient:
    """Shared session, keep-alive pool, total timeout per call; retries only idempotent methods."""

    def __init__(self, timeout: float = 30.0, retry: RetryPolicy | None = None, pool_size: int = 0) -> None:
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._retry = retry or RetryPolicy()
        self._pool_size = pool_size
        self._session: aiohttp.ClientSession | None = None

    def _get_session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(
                limit=self._pool_size, ttl_dns_cache=300, enable_cleanup_closed=True
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                timeout=self._timeout,
                auto_decompress=True,
                skip_auto_headers=("User-Agent",),
                raise_for_status=False,
            )
        return self._session

    async def send(self, request: OutboundRequest) -> Result:
        attempts = self._retry.attempts if request.method in IDEMPOTENT else 1
        for attempt in range(attempts):
            status, content_type, body, retry_after = await self._once(request)
            if status in RETRY_STATUSES and attempt + 1 < attempts:
                await asyncio.sleep(self._retry.delay(attempt, retry_after))
                continue
            if status >= 400:
                raise UpstreamHTTPError(status, content_type or "application/json", body)
            return Result(status, content_type, body)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _once(self, request: OutboundRequest) -> tuple[int, str, bytes, str | None]:
        session = self._get_session()
        headers = request.headers
        if "User-Agent" not in headers and "user-agent" not in headers:
            headers = dict(headers, **{"User-Agent": "gestaltd"})
        try:
            async with session.request(
                request.method, request.url, headers=headers, data=request.body, allow_redirects=False
            ) as resp:
                try:
                    body = await _read_capped(resp)
                except (aiohttp.ClientPayloadError, aiohttp.ClientConnectionError) as exc:
                    raise UpstreamReadError() from exc
                return (
                    resp.status,
                    resp.headers.get("Content-Type", ""),
                    body,
                    resp.headers.get("Retry-After"),
                )
        except TimeoutError as exc:
            raise UpstreamTimeout() from exc
        except (aiohttp.ClientConnectionError, aiohttp.InvalidURL, aiohttp.ClientOSError) as exc:
            raise UpstreamUnreachable() from exc
        except aiohttp.ClientResponseError as exc:
            raise UpstreamReadError() from exc

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


async def _read_capped(resp: aiohttp.ClientResponse) -> bytes:
    """The body, silently truncated at 50 MiB (as the reference does)."""
    if resp.content_length is not None and resp.content_length <= MAX_BODY:
        return await resp.read()
    chunks: list[bytes] = []
    total = 0
    while total < MAX_BODY:
        chunk = await resp.content.read(min(1 << 16, MAX_BODY - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)
