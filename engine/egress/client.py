"""The outbound HTTP client: every request the engine sends goes through ``HttpClient``.

Two ways to send. ``send`` is buffered, for operations, documents, identity providers and token
endpoints: the whole body read (capped, inflated within a cap), retries of idempotent calls on
429/502/503/504 with a capped ``Retry-After``, a total timeout per attempt, and an upstream answer
>= 400 raised as ``UpstreamHTTPError`` to be replayed. ``stream`` is for bodies read as they
arrive (upstream MCP's SSE through ``sdk_transport``, the forward proxy): any status, headers, a
read timeout between bytes instead of a total one, memory bounded whatever the size.

Both first put the request to the egress policy (``policy.EgressPolicy.admit``: refused, or
allowed and given its credential grant) when one is configured; with none, nothing is checked.
Both run over a ``Transport``; the one in use is the lean HTTP/1.1 pool (``pool.py``), which the
bench measures at about twice aiohttp's throughput; httpx's own pool collapses under concurrency
(about 340 req/s at 32 connections here). A library transport for what the pool cannot do (HTTP/2,
an HTTP proxy) would sit behind the same protocol. Library exceptions become the engine's errors
here, once.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import NoReturn, Protocol
from urllib.parse import urlsplit

import httptools

from engine.egress.addresses import AddressGuard
from engine.egress.decoding import content_encoding, decode
from engine.egress.http1 import ConnectionClosed
from engine.egress.limits import Limits
from engine.egress.policy import EgressPolicy
from engine.egress.pool import Http1Pool, Resolver
from engine.egress.request import OutboundRequest, Result
from engine.egress.streaming import StreamedResponse
from engine.errors import (
    BadRequest,
    GestaltError,
    UpstreamHTTPError,
    UpstreamReadError,
    UpstreamTimeout,
    UpstreamUnreachable,
)
from engine.telemetry import otel

RETRY_STATUSES = frozenset({429, 502, 503, 504})
IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})

# (status, content type, body, Retry-After, raw headers)
Exchange = tuple[int, str, bytes, str | None, Sequence[tuple[bytes, bytes]]]


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
    limits: Limits
    egress: EgressPolicy | None  # the policy it enforces, for a check before credentials are read

    async def send(self, request: OutboundRequest) -> Result: ...

    async def admit(self, request: OutboundRequest) -> bool:
        """The egress decision for ``request`` without sending it (a dry run): ``EgressDenied`` as
        ``send`` would raise it; True when the host resolved, False when it did not (a real call
        would then fail to reach it)."""
        ...

    def stream(
        self, request: OutboundRequest, read_timeout: float | None = None
    ) -> AbstractAsyncContextManager[StreamedResponse]: ...

    async def close(self) -> None: ...


class Transport(Protocol):
    """One exchange, no retries; raises the engine's Upstream* errors for transport failures."""

    async def exchange(self, request: OutboundRequest) -> Exchange: ...

    async def stream(self, request: OutboundRequest, read_timeout: float) -> StreamedResponse: ...

    async def admit(self, request: OutboundRequest) -> bool: ...

    async def close(self) -> None: ...


class GatewayClient:
    def __init__(
        self,
        transport: Transport,
        limits: Limits | None = None,
        retry: RetryPolicy | None = None,
        egress: EgressPolicy | None = None,
    ) -> None:
        self.transport = transport
        self.limits = limits or Limits()
        self.retry = retry or RetryPolicy()
        self.egress = egress

    async def send(self, request: OutboundRequest) -> Result:
        if self.egress is not None:
            self.egress.admit(request)
        tracing = otel.ACTIVE
        if tracing is not None:
            return await self._traced(tracing, request)
        return await self._send(request)

    async def _traced(self, tracing: otel.Otel, request: OutboundRequest) -> Result:
        """The upstream call in a client span whose ``traceparent`` goes upstream, timed by host."""
        host = urlsplit(request.url).hostname or ""
        attributes = {"http.request.method": request.method, "server.address": host}
        started, status = time.perf_counter(), 0
        with tracing.span(f"upstream {request.method}", attributes, client=True) as span:
            tracing.inject(request.headers)
            try:
                result = await self._send(request)
                status = result.status
            except UpstreamHTTPError as exc:
                status = exc.status
                raise
            finally:
                span.set_attribute("http.response.status_code", status)
                tracing.upstream_duration.record(
                    time.perf_counter() - started, {"host": host, "status": status}
                )
        return result

    async def _send(self, request: OutboundRequest) -> Result:
        attempts = self.retry.attempts if request.method in IDEMPOTENT else 1
        for attempt in range(attempts):
            try:
                async with asyncio.timeout(self.limits.timeout):
                    status, content_type, body, retry_after, headers = await self.transport.exchange(request)
            except TimeoutError:
                raise UpstreamTimeout() from None
            if status in RETRY_STATUSES and attempt + 1 < attempts:
                await asyncio.sleep(self.retry.delay(attempt, retry_after))
                continue
            if status >= 400:
                raise UpstreamHTTPError(status, content_type or "application/json", body)
            return Result(status, content_type, body, headers)
        raise AssertionError("unreachable")  # pragma: no cover

    async def admit(self, request: OutboundRequest) -> bool:
        if self.egress is not None:
            self.egress.admit(request, grant=False)  # a preview reads no grant's secret
        try:
            async with asyncio.timeout(self.limits.connect_timeout):
                return await self.transport.admit(request)
        except TimeoutError:
            return False

    def stream(
        self, request: OutboundRequest, read_timeout: float | None = None
    ) -> AbstractAsyncContextManager[StreamedResponse]:
        """``async with client.stream(request) as response``: the body is closed on the way out."""
        return self._stream(request, self.limits.read_timeout if read_timeout is None else read_timeout)

    @asynccontextmanager
    async def _stream(self, request: OutboundRequest, read_timeout: float) -> AsyncIterator[StreamedResponse]:
        if self.egress is not None:
            self.egress.admit(request)
        response = await self.transport.stream(request, read_timeout)
        try:
            yield response
        finally:
            await response.aclose()

    async def close(self) -> None:
        await self.transport.close()


class Http1Transport:
    def __init__(
        self,
        limits: Limits | None = None,
        ssl_context: ssl.SSLContext | None = None,
        guard: AddressGuard | None = None,
        resolver: Resolver | None = None,
    ) -> None:
        self.limits = limits or Limits()
        self.pool = Http1Pool(self.limits, ssl_context, guard, resolver)

    async def exchange(self, request: OutboundRequest) -> Exchange:
        try:
            raw = await self.pool.request(request)
        except Exception as exc:
            _translate(exc)
        body = raw.body
        encoding = raw.header(b"content-encoding")
        if encoding is not None:
            body = decode(body, content_encoding(encoding), self.limits.max_decoded)
        retry_after = raw.header(b"retry-after") if raw.status in RETRY_STATUSES else None
        return raw.status, raw.header(b"content-type") or "", body, retry_after, raw.headers

    async def stream(self, request: OutboundRequest, read_timeout: float) -> StreamedResponse:
        try:
            return await self.pool.stream(request, read_timeout)
        except Exception as exc:
            _translate(exc)

    async def admit(self, request: OutboundRequest) -> bool:
        try:
            return await self.pool.admit(request)
        except ValueError as exc:  # a URL we cannot send to
            raise UpstreamUnreachable() from exc

    async def close(self) -> None:
        self.pool.close()


def _translate(exc: Exception) -> NoReturn:
    """Raise the engine's error for a failure of the pool (ours pass through)."""
    if isinstance(exc, GestaltError):
        raise exc
    if isinstance(exc, UnicodeEncodeError) or (isinstance(exc, ValueError) and "header" in str(exc)):
        raise BadRequest("request header values must be latin-1 text without line breaks") from None
    if isinstance(exc, ConnectionClosed | httptools.HttpParserError):
        raise UpstreamReadError() from exc
    if isinstance(exc, TimeoutError):
        raise UpstreamTimeout() from None
    if isinstance(exc, OSError | ssl.SSLError | ValueError):  # ValueError: a URL we cannot send to
        raise UpstreamUnreachable() from exc
    raise exc


def default_client(
    limits: Limits | None = None, retry: RetryPolicy | None = None, egress: EgressPolicy | None = None
) -> GatewayClient:
    limits = limits or Limits()
    return GatewayClient(Http1Transport(limits), limits, retry, egress)
