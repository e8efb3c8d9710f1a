"""``HttpClient.stream``: chunks as they arrive, the socket paused while the reader lags, the
connection pooled after a full read and closed after an early one, a read timeout between bytes."""

from __future__ import annotations

import asyncio

import pytest

from engine.egress.client import GatewayClient, Http1Transport, RetryPolicy
from engine.egress.limits import Limits
from engine.egress.request import OutboundRequest
from engine.errors import UpstreamTimeout
from tests.support.raw_server import read_request, serve

pytestmark = pytest.mark.anyio
LIMITS = Limits(timeout=5.0, read_timeout=2.0)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def make_client() -> GatewayClient:
    return GatewayClient(Http1Transport(LIMITS), LIMITS, RetryPolicy(attempts=1))


async def test_events_arrive_one_by_one() -> None:
    second = asyncio.Event()

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
        )
        writer.write(b"d\r\ndata: first\n\n\r\n")
        await writer.drain()
        await second.wait()  # only once the client has seen the first event
        writer.write(b"e\r\ndata: second\n\n\r\n0\r\n\r\n")
        await writer.drain()

    server, port = await serve(handler)
    c = make_client()
    seen: list[bytes] = []
    async with c.stream(OutboundRequest("GET", f"http://127.0.0.1:{port}/sse")) as response:
        assert (response.status, response.content_type) == (200, "text/event-stream")
        async for chunk in response.iter_bytes():
            seen.append(chunk)
            second.set()
    assert seen == [b"data: first\n\n", b"data: second\n\n"]
    await c.close()
    server.close()
    await server.wait()


async def test_a_large_body_streams_with_bounded_buffering_and_the_connection_is_reused() -> None:
    size, chunk = 20 * 1024 * 1024, b"x" * 65536
    sent = 0
    connections = 0

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal sent, connections
        connections += 1
        while True:
            head, _ = await read_request(reader)
            if b"/small" in head:
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                continue
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % size)
            for _ in range(size // len(chunk)):
                writer.write(chunk)
                await writer.drain()  # blocks once the client stops reading
                sent += len(chunk)

    server, port = await serve(handler)
    c = make_client()
    received = 0
    async with c.stream(OutboundRequest("GET", f"http://127.0.0.1:{port}/big")) as response:
        await asyncio.sleep(0.3)  # a slow reader: the upstream must be held back, not buffered
        assert sent < size // 2
        async for piece in response.iter_raw():
            received += len(piece)
    assert received == size
    assert (await c.send(OutboundRequest("GET", f"http://127.0.0.1:{port}/small"))).body == b"ok"
    assert connections == 1
    await c.close()
    server.close()
    await server.wait()


async def test_leaving_early_closes_the_connection_and_a_stall_times_out() -> None:
    connections = 0

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        head, _ = await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nsome")
        await writer.drain()
        await reader.read()  # stalls until the client goes

    server, port = await serve(handler)
    c = make_client()
    async with c.stream(OutboundRequest("GET", f"http://127.0.0.1:{port}/")) as response:
        assert [await anext(response.iter_raw())] == [b"some"]
    with pytest.raises(UpstreamTimeout):
        async with c.stream(
            OutboundRequest("GET", f"http://127.0.0.1:{port}/"), read_timeout=0.2
        ) as response:
            async for _ in response.iter_raw():
                pass
    assert connections == 2
    await c.close()
    server.close()
    await server.wait()
