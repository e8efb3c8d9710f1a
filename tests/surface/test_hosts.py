"""The allowed set of Host names and Origins (DNS rebinding): one set, never the request's own Host."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from engine.config.spec import ServerSpec
from engine.surface.hosts import AllowedHosts, bind_of
from tests.support.configs import write_config
from tests.support.server import served

LOOPBACK = bind_of(("127.0.0.1", "8080"))  # granian reports the port as a string
WILDCARD = bind_of(("0.0.0.0", 8080))
LAN = bind_of(("192.0.2.10", 8080))


def hosts(**server: object) -> AllowedHosts:
    return AllowedHosts.from_server(ServerSpec(**server))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("host", "allowed"),
    [
        ("localhost:8080", True),
        ("127.0.0.1:8080", True),
        ("[::1]:8080", True),
        ("LOCALHOST", True),
        ("localhost.:8080", True),
        ("evil.example:8080", False),  # a rebinding page's name
        ("192.0.2.10:8080", False),  # bound to loopback: no other address reaches it
        ("", False),
        ("local host", False),
    ],
)
def test_loopback_bind_accepts_loopback_names_only(host: str, allowed: bool) -> None:
    assert hosts().host_allowed(host, LOOPBACK) is allowed


def test_named_server_accepts_its_names_and_loopback_on_a_wildcard_bind() -> None:
    named = hosts(base_url="https://gestalt.example.com/base", allowed_hosts=("gestalt.internal",))
    assert named.host_allowed("gestalt.example.com", WILDCARD)
    assert named.host_allowed("GESTALT.internal:8080", WILDCARD)
    assert named.host_allowed("localhost:8080", WILDCARD)
    assert not named.host_allowed("192.0.2.10:8080", WILDCARD)  # named: addresses are not names
    assert not named.host_allowed("evil.example", WILDCARD)
    assert not named.host_allowed("localhost:8080", LAN)  # not listening on loopback


def test_unnamed_server_beyond_loopback_accepts_addresses_but_no_names() -> None:
    unnamed = hosts()
    assert unnamed.host_allowed("192.0.2.10:8080", WILDCARD)
    assert unnamed.host_allowed("[2001:db8::5]:8080", LAN)
    assert not unnamed.host_allowed("myhost.lan:8080", WILDCARD)
    assert "server.allowed_hosts" in unnamed.unnamed_warning("0.0.0.0")
    assert unnamed.unnamed_warning("127.0.0.1") == ""
    assert hosts(allowed_hosts=("myhost.lan",)).unnamed_warning("0.0.0.0") == ""


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        ("http://localhost:8080", True),
        ("http://127.0.0.1:8080", True),
        ("http://[::1]:8080", True),
        ("http://localhost:3000", False),  # another app on this machine
        ("http://localhost", False),
        ("http://evil.example:8080", False),  # a rebinding page: its own name, our port
        ("null", False),
        ("file://", False),
        ("http://localhost:8080/path", False),
    ],
)
def test_origins_of_a_loopback_server(origin: str, allowed: bool) -> None:
    assert hosts().origin_allowed(origin, LOOPBACK) is allowed


def test_origins_from_base_url_allowed_hosts_and_allowed_origins() -> None:
    named = hosts(
        base_url="https://gestalt.example.com",
        allowed_hosts=("gestalt.internal",),
        allowed_origins=("https://portal.example.com",),
    )
    for origin in (
        "https://gestalt.example.com",
        "https://gestalt.example.com:443",
        "https://portal.example.com",
        "http://gestalt.internal:8080",
        "https://gestalt.internal",
        "http://localhost:8080",
    ):
        assert named.origin_allowed(origin, WILDCARD), origin
    for origin in (
        "http://gestalt.example.com",
        "https://portal.example.com:8443",
        "http://gestalt.internal:9",
    ):
        assert not named.origin_allowed(origin, WILDCARD), origin


def test_unknown_bind_accepts_only_configured_origins() -> None:
    unknown = bind_of(None)
    assert not hosts().origin_allowed("http://localhost:8080", unknown)
    assert hosts(base_url="http://localhost:8080").origin_allowed("http://localhost:8080", unknown)


def test_served_beyond_loopback_without_names_accepts_addresses_and_warns(tmp_path: Path) -> None:
    config = write_config(tmp_path, {}, {"telemetry": {"provider": "stdout", "config": {"format": "json"}}})
    with served(config, host="0.0.0.0") as server:
        port = server.url.rsplit(":", 1)[1]
        by_address = httpx.get(server.url + "/api/v1/integrations", headers={"Host": f"192.0.2.10:{port}"})
        by_name = httpx.get(server.url + "/api/v1/integrations", headers={"Host": f"myhost.lan:{port}"})
        by_localhost = httpx.get(server.url + "/api/v1/integrations", headers={"Host": f"localhost:{port}"})
        log = server.log.read_text()
    assert by_address.status_code == 200 and by_localhost.status_code == 200
    assert by_name.status_code == 421 and "server.allowed_hosts" in by_name.json()["error"]
    assert "listening on 0.0.0.0 without server.base_url or server.allowed_hosts" in log
