"""The address guard: link-local and cloud metadata addresses are refused after DNS resolution,
literal or resolved, plain or IPv4-mapped; loopback and private addresses stay reachable."""

from __future__ import annotations

import asyncio
import ipaddress

import pytest

from engine.config.spec import EgressRuleSpec, EgressSpec
from engine.egress.addresses import DenyLinkLocal, IPAddress, is_link_local_or_metadata
from engine.egress.client import GatewayClient, Http1Transport, RetryPolicy
from engine.egress.limits import Limits
from engine.egress.policy import EgressPolicy
from engine.egress.request import OutboundRequest
from engine.errors import EgressDenied, UpstreamUnreachable
from engine.secrets import EnvSecrets
from tests.support.raw_server import read_request, serve

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


@pytest.mark.parametrize("recheck", [True, False])
async def test_a_pooled_connection_is_checked_again_only_when_the_guard_said_so(recheck: bool) -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            await read_request(reader)
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            await writer.drain()

    class Counting(DenyLinkLocal):
        asked: list[str] = []

        def check(self, request: OutboundRequest, host: str, address: IPAddress) -> bool:
            self.asked.append(request.url)
            return super().check(request, host, address) or recheck

    server, port = await serve(handler)
    limits = Limits(timeout=2.0)
    guard = Counting()
    c = GatewayClient(Http1Transport(limits, guard=guard), limits, RetryPolicy(attempts=1))
    for path in ("/a", "/b"):
        assert (await c.send(OutboundRequest("GET", f"http://127.0.0.1:{port}{path}"))).body == b"ok"
    asked = [f"http://127.0.0.1:{port}/a", f"http://127.0.0.1:{port}/b"]
    assert guard.asked == (asked if recheck else asked[:1])
    await c.close()
    server.close()
    await server.wait()


def policy_client(*rules: EgressRuleSpec, resolve: object = None) -> GatewayClient:
    limits = Limits(timeout=2.0, connect_timeout=1.0)
    egress = EgressPolicy.from_spec(EgressSpec(policies=rules), EnvSecrets({}))
    transport = Http1Transport(limits, resolver=resolve)  # type: ignore[arg-type]
    return GatewayClient(transport, limits, RetryPolicy(attempts=1), egress)


async def test_an_allow_rule_naming_the_host_lets_a_link_local_address_through() -> None:
    # fe80::1 without a zone cannot be connected to: the failure to connect (not a denial) shows
    # the guard let the request through, without anything being sent anywhere.
    named = policy_client(EgressRuleSpec(action="allow", host="fe80::1"))
    with pytest.raises(UpstreamUnreachable):
        await named.send(OutboundRequest("GET", "http://[fe80::1]:9/"))
    await named.close()
    broad = policy_client(EgressRuleSpec(action="allow"), EgressRuleSpec(action="allow", host="fe80::1"))
    with pytest.raises(EgressDenied) as info:  # an allow that names no host is not enough
        await broad.send(OutboundRequest("GET", "http://[fe80::1]:9/"))
    assert info.value.public_message == "egress denied: fe80::1 is a link-local or cloud metadata address"
    await broad.close()


def test_only_an_allowed_link_local_address_asks_for_a_check_per_request() -> None:
    rule = EgressRuleSpec(action="allow", host="imds.test")
    policy = EgressPolicy.from_spec(EgressSpec(policies=(rule,)), EnvSecrets({}))
    assert policy is not None
    request = OutboundRequest("GET", "http://imds.test/")
    policy.admit(request)
    guard = DenyLinkLocal()
    assert guard.check(request, "imds.test", ipaddress.ip_address("169.254.169.254")) is True
    assert guard.check(request, "imds.test", ipaddress.ip_address("127.0.0.1")) is False
    undecided = OutboundRequest("GET", "http://imds.test/")
    with pytest.raises(EgressDenied):
        guard.check(undecided, "imds.test", ipaddress.ip_address("169.254.1.1"))


async def test_a_wildcard_allow_does_not_reach_a_name_that_resolves_to_link_local() -> None:
    """A name under an allowed ``*.`` pattern (one a tenant may control) that resolves or is
    rebound to a link-local address stays refused; naming it exactly lets it through."""
    table = {"imds.corp.test": "fe80::1"}
    wildcard = policy_client(EgressRuleSpec(action="allow", host="*.corp.test"), resolve=resolver(table, []))
    with pytest.raises(EgressDenied) as info:
        await wildcard.send(OutboundRequest("GET", "http://imds.corp.test:9/"))
    assert (
        info.value.public_message == "egress denied: imds.corp.test is a link-local or cloud metadata address"
    )
    await wildcard.close()
    exact = policy_client(EgressRuleSpec(action="allow", host="imds.corp.test"), resolve=resolver(table, []))
    with pytest.raises(UpstreamUnreachable):  # let through; fe80::1 without a zone cannot connect
        await exact.send(OutboundRequest("GET", "http://imds.corp.test:9/"))
    await exact.close()
