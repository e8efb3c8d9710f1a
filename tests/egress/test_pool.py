"""The connection pool: IPv6 literals, connections per origin, and no body kept once answered."""

from __future__ import annotations

import asyncio
import tracemalloc

import pytest

from engine.egress.client import GatewayClient, Http1Transport, RetryPolicy
from engine.egress.http1 import Origin
from engine.egress.limits import Limits
from engine.egress.request import OutboundRequest
from tests.support.raw_server import read_request, serve

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def make_client(**limits: int | float) -> GatewayClient:
    chosen = Limits(timeout=5.0, **limits)  # type: ignore[arg-type]
    return GatewayClient(Http1Transport(chosen), chosen, RetryPolicy(attempts=1))


def test_host_header_brackets_ipv6_literals() -> None:
    assert Origin("http", "::1", 8080).host_header == "[::1]:8080"
    assert Origin("https", "2001:db8::1", 443).host_header == "[2001:db8::1]"
    assert Origin("http", "api.example.com", 80).host_header == "api.example.com"
    assert Origin("http", "127.0.0.1", 8080).host_header == "127.0.0.1:8080"


async def test_an_ipv6_upstream_is_reached_with_a_valid_host_header() -> None:
    heads: list[bytes] = []

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head, _ = await read_request(reader)
        heads.append(head)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nv6")
        await writer.drain()

    server, port = await serve(handler, host="::1")
    c = make_client()
    assert (await c.send(OutboundRequest("GET", f"http://[::1]:{port}/x"))).body == b"v6"
    assert f"\r\nHost: [::1]:{port}\r\n".encode() in heads[0]
    await c.close()
    server.close()
    await server.wait()


async def test_connections_per_origin_are_capped_and_requests_wait_their_turn() -> None:
    open_now = peak = 0
    release = asyncio.Event()

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal open_now, peak
        open_now += 1
        peak = max(peak, open_now)
        try:
            while True:
                await read_request(reader)
                await release.wait()
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                await writer.drain()
        finally:
            open_now -= 1

    server, port = await serve(handler)
    c = make_client(max_connections_per_host=2)
    calls = [
        asyncio.create_task(c.send(OutboundRequest("GET", f"http://127.0.0.1:{port}/"))) for _ in range(6)
    ]
    await asyncio.sleep(0.2)
    assert (peak, sum(t.done() for t in calls)) == (2, 0)
    release.set()
    assert [r.body for r in await asyncio.gather(*calls)] == [b"ok"] * 6
    assert peak == 2
    await c.close()
    server.close()
    await server.wait()


async def test_a_body_is_not_kept_once_the_caller_drops_it() -> None:
    body = b"x" * (8 * 1024 * 1024)

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            await read_request(reader)
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
            await writer.drain()

    server, port = await serve(handler)
    c = make_client()
    tracemalloc.start()
    try:
        for _ in range(2):
            result = await c.send(OutboundRequest("GET", f"http://127.0.0.1:{port}/"))
            assert len(result.body) == len(body)
            del result
        await asyncio.sleep(0)  # the loop's handle that resumed us still holds the last future
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert held < 1024 * 1024  # the idle pooled connection holds no chunk of it
    await c.close()
    server.close()
    await server.wait()
