"""Keep-alive HTTP/1.1 connections per origin, opened only to addresses the guard allowed.

An origin has at most ``max_connections_per_host`` connections in use (a request waits for a free
one) and keeps at most ``max_idle_per_host`` idle ones. A host name is resolved here, not inside
``create_connection``, so that every address is checked before anything connects to it.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections import deque
from collections.abc import Awaitable, Callable
from typing import TypeVar

from engine.egress.addresses import AddressGuard, DenyLinkLocal, IPAddress, parse_address
from engine.egress.http1 import Connection, ConnectionClosed, Origin, RawResponse, serialise, split
from engine.egress.limits import Limits
from engine.egress.request import OutboundRequest
from engine.egress.streaming import BodyStream, StreamedResponse
from engine.errors import UpstreamTimeout

T = TypeVar("T")
# host, port → its addresses; tests give a resolver of their own instead of editing /etc/hosts.
Resolver = Callable[[str, int], Awaitable[list[IPAddress]]]


class Slots:
    """How many more connections an origin may have in use; waiters are served in order."""

    def __init__(self, limit: int) -> None:
        self.free = limit
        self.waiters: deque[asyncio.Future[None]] = deque()

    def take(self) -> bool:
        """A slot at once, when one is free and nobody is waiting (no await on the hot path)."""
        if self.free > 0 and not self.waiters:
            self.free -= 1
            return True
        return False

    async def acquire(self) -> None:
        if self.take():
            return
        waiter = asyncio.get_running_loop().create_future()
        self.waiters.append(waiter)
        try:
            await waiter
        except BaseException:
            if waiter.done() and not waiter.cancelled():
                self.release()  # handed a slot just as we gave up: pass it on
            else:
                self.waiters.remove(waiter)
            raise

    def release(self) -> None:
        while self.waiters:
            waiter = self.waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self.free += 1


class Http1Pool:
    def __init__(
        self,
        limits: Limits,
        ssl_context: ssl.SSLContext | None = None,
        guard: AddressGuard | None = None,
        resolver: Resolver | None = None,
    ) -> None:
        self.limits = limits
        self.ssl_context = ssl_context
        self.guard: AddressGuard = guard or DenyLinkLocal()
        self.resolver: Resolver = resolver or system_resolver
        self._idle: dict[Origin, deque[Connection]] = {}
        self._slots: dict[Origin, Slots] = {}

    async def request(self, request: OutboundRequest) -> RawResponse:
        """One exchange, the body read whole (``limits.max_body`` at most)."""
        origin, target = split(request.url)
        payload = serialise(request, origin, target)
        head, cap = request.method == "HEAD", self.limits.max_body
        slots = self._slots_of(origin)
        if not slots.take():
            await slots.acquire()
        try:
            conn, response = await self._exchange(origin, request, lambda c: c.start(payload, head, cap))
            self._release(origin, conn)
            return response
        finally:
            slots.release()

    async def stream(self, request: OutboundRequest, read_timeout: float) -> StreamedResponse:
        """One exchange, returned once the head has arrived; the caller reads or closes the body."""
        origin, target = split(request.url)
        payload = serialise(request, origin, target)
        head = request.method == "HEAD"
        slots = self._slots_of(origin)
        await slots.acquire()
        try:
            conn, body = await self._exchange(
                origin, request, lambda c: _head(c, payload, head, read_timeout)
            )
        except BaseException:
            slots.release()
            raise
        status, headers = body.head.result()

        def done(reusable: bool) -> None:
            if reusable and body.done:
                self._release(origin, conn)
            else:
                conn.close()
            slots.release()

        return StreamedResponse(status, headers, body, read_timeout, done)

    async def admit(self, request: OutboundRequest) -> bool:
        """The guard's decision on every address the host resolves to, connecting to none of them;
        False when the name does not resolve."""
        origin, _ = split(request.url)
        try:
            addresses = await self._resolve(origin)
        except OSError:
            return False
        for address in addresses:
            self.guard.check(request, origin.host, address)
        return True

    async def _exchange(
        self, origin: Origin, request: OutboundRequest, start: Callable[[Connection], Awaitable[T]]
    ) -> tuple[Connection, T]:
        conn, reused = await self._acquire(origin, request)
        try:
            return conn, await start(conn)
        except ConnectionClosed:
            conn.close()
            if not (reused and not conn.got_bytes):
                raise
        except BaseException:
            conn.close()  # cancelled or failed mid-response: never reuse
            raise
        # A pooled connection the upstream had already closed: retry once on a fresh one.
        conn = await self._connect(origin, request)
        try:
            return conn, await start(conn)
        except BaseException:
            conn.close()
            raise

    def _slots_of(self, origin: Origin) -> Slots:
        slots = self._slots.get(origin)
        if slots is None:
            slots = self._slots[origin] = Slots(self.limits.max_connections_per_host)
        return slots

    async def _acquire(self, origin: Origin, request: OutboundRequest) -> tuple[Connection, bool]:
        idle = self._idle.get(origin)
        while idle:
            conn = idle.pop()
            if not conn.closed and conn.transport is not None and not conn.transport.is_closing():
                if conn.recheck:
                    assert conn.address is not None
                    self.guard.check(request, origin.host, conn.address)
                return conn, True
            conn.close()
        return await self._connect(origin, request), False

    async def _connect(self, origin: Origin, request: OutboundRequest) -> Connection:
        try:
            async with asyncio.timeout(self.limits.connect_timeout):
                addresses = await self._resolve(origin)
                recheck = [self.guard.check(request, origin.host, address) for address in addresses]
                conn = await self._open(origin, addresses)
                conn.recheck = any(recheck)
                return conn
        except TimeoutError:
            raise UpstreamTimeout() from None

    async def _resolve(self, origin: Origin) -> list[IPAddress]:
        """The literal address of the URL, or the host's addresses in the resolver's order."""
        try:
            return [parse_address(origin.host)]
        except ValueError:
            return await self.resolver(origin.host, origin.port)

    async def _open(self, origin: Origin, addresses: list[IPAddress]) -> Connection:
        loop = asyncio.get_running_loop()
        tls = (self.ssl_context or _default_tls()) if origin.scheme == "https" else None
        failure: OSError | None = None
        for address in addresses:  # in the resolver's order, as create_connection would
            try:
                _, conn = await loop.create_connection(
                    Connection,
                    str(address),
                    origin.port,
                    ssl=tls,
                    server_hostname=origin.host if tls else None,
                )
            except OSError as exc:
                failure = failure or exc
                continue
            conn.address = address
            return conn
        raise failure or OSError(f"no address for {origin.host}")

    def _release(self, origin: Origin, conn: Connection) -> None:
        if not conn.reusable or conn.closed:
            conn.close()
            return
        idle = self._idle.setdefault(origin, deque())
        if len(idle) >= self.limits.max_idle_per_host:
            conn.close()
            return
        idle.append(conn)

    def close(self) -> None:
        for idle in self._idle.values():
            for conn in idle:
                conn.close()
        self._idle.clear()


async def _head(conn: Connection, payload: bytes, head: bool, read_timeout: float) -> BodyStream:
    body = conn.start_stream(payload, head)
    async with asyncio.timeout(read_timeout):
        await body.head
    return body


async def system_resolver(host: str, port: int) -> list[IPAddress]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    found: list[IPAddress] = []
    for *_, sockaddr in infos:
        address = parse_address(str(sockaddr[0]))
        if address not in found:
            found.append(address)
    return found


_TLS: ssl.SSLContext | None = None


def _default_tls() -> ssl.SSLContext:
    global _TLS
    if _TLS is None:
        _TLS = ssl.create_default_context()
    return _TLS
