"""Streamed responses: the body handed over as it arrives, with memory bounded whatever its size.

``BodyStream`` sits between a connection's parser callbacks and one reader: chunks queue up to
``HIGH`` bytes, then the socket stops being read until the reader has taken them below ``LOW``.
``StreamedResponse`` is what a caller of ``HttpClient.stream`` holds: status and headers, the
body raw (``iter_raw``: Content-Encoding intact, for a proxy) or inflated piece by piece
(``iter_bytes``), each wait bounded by the read timeout. Reading to the end gives the connection
back to the pool; closing early closes it (the rest of the body is never read).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Callable

from engine.egress.decoding import DECODED, Decoder, content_encoding
from engine.egress.request import find_header
from engine.errors import GestaltError, UpstreamReadError, UpstreamResponseTooLarge, UpstreamTimeout

HIGH = 256 * 1024
LOW = 64 * 1024
Headers = list[tuple[bytes, bytes]]


class BodyStream:
    """Filled by the connection's callbacks, drained by one reader."""

    def __init__(self, transport: asyncio.Transport) -> None:
        self.transport = transport
        self.head: asyncio.Future[tuple[int, Headers]] = asyncio.get_running_loop().create_future()
        self.chunks: deque[bytes] = deque()
        self.buffered = 0
        self.done = False
        self.error: Exception | None = None
        self.paused = False
        self._waiter: asyncio.Future[None] | None = None

    # --- from the connection ---
    def started(self, status: int, headers: Headers) -> None:
        if not self.head.done():
            self.head.set_result((status, headers))

    def feed(self, chunk: bytes) -> None:
        self.chunks.append(chunk)
        self.buffered += len(chunk)
        if self.buffered > HIGH and not self.paused:
            self.paused = True
            self.transport.pause_reading()
        self._wake()

    def finish(self) -> None:
        self.done = True
        self._wake()

    def fail(self, exc: Exception) -> None:
        if self.done:
            return
        self.error = exc
        if not self.head.done():
            self.head.set_exception(exc)
        self._wake()

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    # --- for the reader ---
    async def next(self) -> bytes | None:
        """The next chunk, or None at the end of the body."""
        while not self.chunks:
            if self.error is not None:
                raise self.error
            if self.done:
                return None
            self._waiter = asyncio.get_running_loop().create_future()
            await self._waiter
        chunk = self.chunks.popleft()
        self.buffered -= len(chunk)
        if self.paused and self.buffered < LOW:
            self.paused = False
            self.transport.resume_reading()
        return chunk


class StreamedResponse:
    def __init__(
        self,
        status: int,
        headers: Headers,
        body: BodyStream,
        read_timeout: float,
        on_close: Callable[[bool], None],
    ) -> None:
        self.status = status
        self.headers = headers
        self._body = body
        self._read_timeout = read_timeout
        self._on_close: Callable[[bool], None] | None = on_close

    def header(self, name: str) -> str | None:
        return find_header(self.headers, name)

    @property
    def content_type(self) -> str:
        return self.header("content-type") or ""

    @property
    def decoded(self) -> bool:
        """Whether ``iter_bytes`` inflates the body (so a Content-Encoding header no longer holds)."""
        return content_encoding(self.header("content-encoding")) in DECODED

    async def iter_raw(self) -> AsyncIterator[bytes]:
        while True:
            chunk = await self._next()
            if chunk is None:
                return
            yield chunk

    async def iter_bytes(self) -> AsyncIterator[bytes]:
        if not self.decoded:
            async for chunk in self.iter_raw():
                yield chunk
            return
        decoder = Decoder(content_encoding(self.header("content-encoding")))
        async for chunk in self.iter_raw():
            for piece in decoder.feed(chunk):
                yield piece

    async def read(self, limit: int) -> bytes:
        """The whole body, inflated; ``UpstreamResponseTooLarge`` past ``limit`` bytes."""
        out = bytearray()
        async for piece in self.iter_bytes():
            out += piece
            if len(out) > limit:
                await self.aclose()
                raise UpstreamResponseTooLarge(limit)
        return bytes(out)

    async def _next(self) -> bytes | None:
        try:
            async with asyncio.timeout(self._read_timeout):
                chunk = await self._body.next()
        except GestaltError:
            raise
        except TimeoutError:
            raise UpstreamTimeout() from None
        except Exception as exc:  # ConnectionClosed, a parser error: the body is broken
            raise UpstreamReadError() from exc
        if chunk is None:
            self._close(reusable=True)
        return chunk

    def _close(self, reusable: bool) -> None:
        on_close, self._on_close = self._on_close, None
        if on_close is not None:
            on_close(reusable)

    async def aclose(self) -> None:
        """Done with the response: an unfinished body closes the connection."""
        self._close(reusable=False)
