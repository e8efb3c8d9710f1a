"""The address guard: link-local and cloud metadata addresses are refused after DNS resolution,
literal or resolved, plain or IPv4-mapped; loopback and private addresses stay reachable."""

from __future__ import annotations

import asyncio
import ipaddress

import pytest

from engine.egress.addresses import DenyLinkLocal, IPAddress, is_link_local_or_metadata
from engine.egress.client import GatewayClient, Http1Transport, RetryPolicy
from engine.egress.limits import Limits
from engine.egress.request import OutboundRequest
from engine.errors import EgressDenied
from tests.egress.test_http1 import read_request, serve

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.parametrize(
    "address",
    ["169.254.169.254", "169.254.0.1", "::ffff:169.254.169.254", "fd00:ec2::254", "fe80::1"],
)
def test_link_local_and_metadata_addresses_are_denied(address: str) -> None:
    assert is_link_local_or_metadata(ipaddress.ip_address(address))
    with pytest.raises(EgressDenied) as info:
        DenyLinkLocal().check(OutboundRequest("GET", "http://x/"), "x", ipaddress.ip_address(address))
    assert str(info.value) == "egress denied: x is a link-local or cloud metadata address"


@pytest.mark.parametrize(
    "address", ["127.0.0.1", "::1", "::ffff:127.0.0.1", "10.0.0.5", "192.168.1.1", "8.8.8.8"]
)
def test_loopback_private_and_public_addresses_are_allowed(address: str) -> None:
    assert not is_link_local_or_metadata(ipaddress.ip_address(address))


def resolver(table: dict[str, str], asked: list[str]) -> object:
    async def resolve(host: str, port: int) -> list[IPAddress]:
        asked.append(host)
        return [ipaddress.ip_address(table[host])]

    return resolve


def client_with(resolve: object) -> GatewayClient:
    limits = Limits(timeout=2.0, connect_timeout=1.0)
    transport = Http1Transport(limits, resolver=resolve)  # type: ignore[arg-type]
    return GatewayClient(transport, limits, RetryPolicy(attempts=1))


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/iam",
        "http://[::ffff:169.254.169.254]/",
        "http://[fd00:ec2::254]/",
    ],
)
async def test_a_literal_metadata_address_is_refused_before_connecting(url: str) -> None:
    c = client_with(resolver({}, []))
    with pytest.raises(EgressDenied) as info:
        await c.send(OutboundRequest("GET", url))
    assert "is a link-local or cloud metadata address" in info.value.public_message
    await c.close()


async def test_a_host_name_is_checked_after_resolution_and_connected_to_as_resolved() -> None:
    seen: list[bytes] = []

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head, _ = await read_request(reader)
        seen.append(head)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        await writer.drain()

    server, port = await serve(handler)
    asked: list[str] = []
    c = client_with(resolver({"metadata.test": "169.254.169.254", "api.test": "127.0.0.1"}, asked))
    with pytest.raises(EgressDenied) as info:
        await c.send(OutboundRequest("GET", f"http://metadata.test:{port}/latest/meta-data/iam"))
    assert (
        info.value.public_message == "egress denied: metadata.test is a link-local or cloud metadata address"
    )
    assert seen == []  # nothing was sent anywhere
    assert (await c.send(OutboundRequest("GET", f"http://api.test:{port}/"))).body == b"ok"
    assert f"Host: api.test:{port}".encode() in seen[0]
    assert asked == ["metadata.test", "api.test"]
    await c.close()
    server.close()
    await server.wait()


async def test_a_per_request_guard_is_asked_for_every_request_on_a_pooled_connection() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            await read_request(reader)
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            await writer.drain()

    class Counting(DenyLinkLocal):
        per_request = True
        asked: list[str] = []

        def check(self, request: OutboundRequest, host: str, address: IPAddress) -> None:
            self.asked.append(request.url)
            super().check(request, host, address)

    server, port = await serve(handler)
    limits = Limits(timeout=2.0)
    guard = Counting()
    c = GatewayClient(Http1Transport(limits, guard=guard), limits, RetryPolicy(attempts=1))
    for path in ("/a", "/b"):
        assert (await c.send(OutboundRequest("GET", f"http://127.0.0.1:{port}{path}"))).body == b"ok"
    assert guard.asked == [f"http://127.0.0.1:{port}/a", f"http://127.0.0.1:{port}/b"]
    await c.close()
    server.close()
    await server.wait()
