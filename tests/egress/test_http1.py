"""The lean HTTP/1.1 transport against real sockets: framing, keep-alive, stale connections, TLS."""

from __future__ import annotations

import asyncio
import gzip
import ssl

import pytest

from engine.egress.client import GatewayClient, Http1Transport, RetryPolicy
from engine.egress.limits import Limits
from engine.egress.request import OutboundRequest
from engine.errors import (
    UpstreamHTTPError,
    UpstreamReadError,
    UpstreamResponseTooLarge,
    UpstreamTimeout,
    UpstreamUnreachable,
)
from tests.support.raw_server import read_request, serve
from tests.support.tls import certificate

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def client(ssl_context: ssl.SSLContext | None = None) -> GatewayClient:
    limits = Limits(timeout=2.0)
    transport = Http1Transport(limits, ssl_context)
    return GatewayClient(transport, limits, RetryPolicy(attempts=2, base_delay=0.01))


async def test_content_length_keepalive_reuses_one_connection() -> None:
    connections = 0

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        while True:
            try:
                head, body = await read_request(reader)
            except asyncio.IncompleteReadError:
                break
            payload = b'{"echo":' + (body or b"null") + b"}"
            writer.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                + str(len(payload)).encode()
                + b"\r\n\r\n"
                + payload
            )
            await writer.drain()
        writer.close()

    server, port = await serve(handler)
    c = client()
    for i in range(5):
        r = await c.send(
            OutboundRequest(
                "POST", f"http://127.0.0.1:{port}/x", {"Content-Type": "application/json"}, str(i).encode()
            )
        )
        assert (r.status, r.content_type, r.body) == (
            200,
            "application/json",
            b'{"echo":' + str(i).encode() + b"}",
        )
    assert connections == 1
    await c.close()
    server.close()
    await server.wait()


async def test_chunked_and_gzip_bodies_are_decoded() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head, _ = await read_request(reader)
        if b"/gzip" in head:
            payload = gzip.compress(b'{"zipped":true}')
            writer.write(
                b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: "
                + str(len(payload)).encode()
                + b"\r\n\r\n"
                + payload
            )
        else:
            writer.write(
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
            )
        await writer.drain()
        writer.close()

    server, port = await serve(handler)
    c = client()
    assert (await c.send(OutboundRequest("GET", f"http://127.0.0.1:{port}/chunked"))).body == b"hello world"
    assert (await c.send(OutboundRequest("GET", f"http://127.0.0.1:{port}/gzip"))).body == b'{"zipped":true}'
    await c.close()
    server.close()
    await server.wait()


async def test_body_delimited_by_close_and_head_without_body() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head, _ = await read_request(reader)
        if head.startswith(b"HEAD"):
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 1234\r\nX-A: 1\r\n\r\n")
            await writer.drain()
        else:
            writer.write(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end")
            await writer.drain()
            writer.close()

    server, port = await serve(handler)
    c = client()
    assert (await c.send(OutboundRequest("GET", f"http://127.0.0.1:{port}/"))).body == b"until the end"
    r = await c.send(OutboundRequest("HEAD", f"http://127.0.0.1:{port}/"))
    assert (r.status, r.body) == (200, b"")
    await c.close()
    server.close()
    await server.wait()


async def test_stale_pooled_connection_is_retried_once_on_a_fresh_one() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        await writer.drain()
        await asyncio.sleep(0.05)
        writer.close()  # the server drops idle keep-alive connections quickly

    server, port = await serve(handler)
    c = client()
    assert (await c.send(OutboundRequest("POST", f"http://127.0.0.1:{port}/", body=b"{}"))).body == b"ok"
    await asyncio.sleep(0.2)
    assert (await c.send(OutboundRequest("POST", f"http://127.0.0.1:{port}/", body=b"{}"))).body == b"ok"
    await c.close()
    server.close()
    await server.wait()


async def test_truncated_body_is_a_read_error_and_errors_pass_through() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head, _ = await read_request(reader)
        if b"/short" in head:
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly a bit")
            await writer.drain()
            writer.close()
        else:
            writer.write(
                b"HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 4\r\n\r\nnope"
            )
            await writer.drain()

    server, port = await serve(handler)
    c = client()
    with pytest.raises(UpstreamReadError):
        await c.send(OutboundRequest("POST", f"http://127.0.0.1:{port}/short", body=b""))
    with pytest.raises(UpstreamHTTPError) as info:
        await c.send(OutboundRequest("GET", f"http://127.0.0.1:{port}/missing"))
    assert (info.value.status, info.value.content_type, info.value.body) == (404, "text/plain", b"nope")
    await c.close()
    server.close()
    await server.wait()


async def test_unreachable_and_timeout() -> None:
    c = client()
    with pytest.raises(UpstreamUnreachable):
        await c.send(OutboundRequest("GET", "http://127.0.0.1:9/"))

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()  # never answers; returns when the client gives up and closes
        writer.close()

    server, port = await serve(silent)
    slow = GatewayClient(Http1Transport(), Limits(timeout=0.2), RetryPolicy(attempts=1))
    with pytest.raises(UpstreamTimeout):
        await slow.send(OutboundRequest("GET", f"http://127.0.0.1:{port}/"))
    await slow.close()
    await c.close()
    server.close()
    await server.wait()


async def test_https_upstream_with_verified_certificate() -> None:
    cert, key = certificate()
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head, _ = await read_request(reader)
        assert b"Host: localhost:" in head
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecure")
        await writer.drain()

    server, port = await serve(handler, server_tls)
    trusting = ssl.create_default_context(cafile=str(cert))
    c = client(ssl_context=trusting)
    assert (await c.send(OutboundRequest("GET", f"https://localhost:{port}/"))).body == b"secure"
    await c.close()
    untrusting = client()
    with pytest.raises(UpstreamUnreachable):
        await untrusting.send(OutboundRequest("GET", f"https://localhost:{port}/"))
    await untrusting.close()
    server.close()
    await server.wait()


def small_cap_client(cap: int) -> GatewayClient:
    limits = Limits(timeout=2.0, max_body=cap, max_decoded=cap)
    return GatewayClient(Http1Transport(limits), limits, RetryPolicy(attempts=1))


async def test_a_body_past_the_cap_is_refused_not_truncated() -> None:
    connections = 0

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        while True:
            head, _ = await read_request(reader)
            if b"/declared" in head:  # refused from its Content-Length, before the body is read
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 62914560\r\n\r\n" + b"x" * 1000)
            elif b"/chunked" in head:  # no length up front: refused once past the cap
                chunk = b"x" * 65536
                writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
                for _ in range(40):
                    writer.write(b"10000\r\n" + chunk + b"\r\n")
                writer.write(b"0\r\n\r\n")
            elif b"/bomb" in head:  # 60 KiB on the wire, 20 MiB inflated
                payload = gzip.compress(b"\0" * (20 * 1024 * 1024))
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: "
                    + str(len(payload)).encode()
                    + b"\r\n\r\n"
                    + payload
                )
            else:
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            await writer.drain()

    server, port = await serve(handler)
    c = small_cap_client(1024 * 1024)
    for path in ("/declared", "/chunked", "/bomb"):
        with pytest.raises(UpstreamResponseTooLarge) as info:
            await c.send(OutboundRequest("GET", f"http://127.0.0.1:{port}{path}"))
        assert info.value.public_message == "upstream response larger than 1 MiB"
        assert info.value.status == 502
    assert (await c.send(OutboundRequest("GET", f"http://127.0.0.1:{port}/small"))).body == b"ok"
    assert connections == 3  # a refused body's connection is closed, never pooled
    await c.close()
    server.close()
    await server.wait()
