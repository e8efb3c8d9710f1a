"""The request perimeter through the real app: wrong Host names (DNS rebinding) and cross-site
writes are refused on every surface; bearer callers, curl and OAuth navigations are not."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
from litestar.testing import TestClient

from engine.errors import CrossSiteRequest, OriginNotAllowed, UnsupportedMediaType
from tests.conftest import GatewayFactory
from tests.support.identity import bearer, local_auth, local_login, oidc_auth, oidc_login
from tests.support.oauth_server import AuthServer, oauth2_auth
from tests.support.oidc_provider import OpenIDProvider
from tests.support.upstream import Upstream

KEY = "11" * 32
OWN = "http://127.0.0.1"  # the test client's own origin (tests/support/app_client.py)
ATTACKER = "http://localhost:3000"  # another app on this machine: same site, other origin
RPC = {"jsonrpc": "2.0", "id": 1, "method": "ping"}


def providers(upstream: Upstream) -> dict[str, dict[str, Any]]:
    ops = [
        {"name": "ping", "method": "GET", "path": "/ping"},
        {"name": "create", "method": "POST", "path": "/items", "parameters": [{"name": "name"}]},
    ]
    return {"echo": {"plugin": {"base_url": upstream.url, "operations": ops}}}


def signed_in(gateway: GatewayFactory, upstream: Upstream, **server: Any) -> TestClient[Any]:
    """A browser with a session cookie that, from here on, sends no Origin of its own."""
    client = gateway(providers(upstream), {**local_auth(), "server": {"encryption_key": KEY, **server}})
    assert local_login(client).status_code == 200
    del client.headers["Origin"]
    return client


def error(response: Any) -> tuple[int, str]:
    return response.status_code, response.json()["error"]


# DNS rebinding


def test_a_host_the_server_is_not_is_refused_on_every_surface(
    gateway: GatewayFactory, upstream: Upstream
) -> None:
    client = gateway(providers(upstream))
    evil = {"Host": "evil.example:8080"}  # a rebinding page's own name, resolved to us
    for method, path in [
        ("GET", "/api/v1/integrations"),
        ("GET", "/api/v1/echo/ping"),
        ("POST", "/api/v1/echo/create"),
        ("GET", "/schema/openapi.json"),
        ("POST", "/mcp"),
    ]:
        r = client.request(method, path, headers=evil, json=RPC if path == "/mcp" else {})
        assert error(r) == (
            421,
            'host "evil.example:8080" is not allowed: name it in server.allowed_hosts or server.base_url',
        ), path
    assert upstream.requests == []
    assert client.get("/ready", headers=evil).status_code == 200  # probes address replicas by IP
    assert client.get("/api/v1/integrations", headers={"Host": "localhost:80"}).status_code == 200


def test_mcp_compares_origin_with_the_allowed_set_never_with_the_host(
    gateway: GatewayFactory, upstream: Upstream
) -> None:
    client = gateway(
        providers(upstream), {"server": {"encryption_key": KEY, "allowed_hosts": ["gestalt.lan"]}}
    )
    rebound = {"Host": "evil.example", "Origin": "http://evil.example"}  # Origin and Host agree
    assert client.post("/mcp", json=RPC, headers=rebound).status_code == 421
    named = {"Host": "gestalt.lan", "Origin": "http://gestalt.lan"}
    assert client.post("/mcp", json=RPC, headers=named).status_code == 200
    foreign = {"Authorization": "Bearer x", "Origin": "http://evil.example"}  # any Origin, on /mcp
    assert error(client.post("/mcp", json=RPC, headers=foreign)) == (403, OriginNotAllowed.public_message)


def test_a_named_server_refuses_other_names(gateway: GatewayFactory, upstream: Upstream) -> None:
    server = {"encryption_key": KEY, "base_url": "https://gestalt.example.com"}
    client = gateway(providers(upstream), {"server": server})
    assert client.get("/api/v1/integrations", headers={"Host": "gestalt.example.com"}).status_code == 200
    assert client.get("/api/v1/integrations", headers={"Host": "127.0.0.1"}).status_code == 200  # loopback
    assert client.get("/api/v1/integrations", headers={"Host": "10.0.0.7"}).status_code == 421


# Cross-site request forgery


def test_a_link_cannot_run_a_write_operation(gateway: GatewayFactory, upstream: Upstream) -> None:
    client = signed_in(gateway, upstream)
    for headers in ({"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "same-site"}, {}):
        r = client.get("/api/v1/echo/create", params={"name": "x"}, headers=headers)
        assert error(r) == (403, CrossSiteRequest.public_message), headers
    assert upstream.requests == []
    assert client.get("/api/v1/echo/ping", headers={"Sec-Fetch-Site": "cross-site"}).status_code == 200
    typed = client.get("/api/v1/echo/create", params={"name": "x"}, headers={"Sec-Fetch-Site": "none"})
    assert typed.status_code == 200 and upstream.last().method == "POST"  # the user's own address bar


def test_a_cross_site_form_cannot_mint_tokens_or_plant_credentials(
    gateway: GatewayFactory, upstream: Upstream
) -> None:
    client = signed_in(gateway, upstream)
    form = {"Origin": ATTACKER, "Content-Type": "text/plain"}
    for method, path, body in [
        ("POST", "/api/v1/tokens", b'{"name": "planted"}'),
        ("POST", "/api/v1/auth/connect-manual", b'{"integration": "echo", "credential": "k"}'),
        ("POST", "/api/v1/echo/create", b'{"name": "x"}'),
        ("DELETE", "/api/v1/tokens", b""),
        ("POST", "/api/v1/auth/logout", b""),
    ]:
        r = client.request(method, path, content=body, headers=form)
        assert error(r) == (403, OriginNotAllowed.public_message), path
        no_origin = client.request(method, path, content=body, headers={"Content-Type": "text/plain"})
        assert error(no_origin) == (403, CrossSiteRequest.public_message), path
    assert upstream.requests == []
    assert client.get("/api/v1/tokens").json() == []


def test_browser_bodies_must_be_declared_json(gateway: GatewayFactory, upstream: Upstream) -> None:
    client = signed_in(gateway, upstream)
    same = {"Origin": OWN, "Content-Type": "text/plain"}
    for path in ("/api/v1/tokens", "/api/v1/auth/connect-manual", "/api/v1/echo/create"):
        assert error(client.post(path, content=b'{"name": "x"}', headers=same)) == (
            415,
            UnsupportedMediaType.public_message,
        )
    assert client.post("/api/v1/tokens", json={"name": "ok"}, headers={"Origin": OWN}).status_code == 201


def test_auth_none_refuses_other_sites_but_not_curl(gateway: GatewayFactory, upstream: Upstream) -> None:
    client = gateway(providers(upstream))
    r = client.post("/api/v1/echo/create", json={"name": "x"}, headers={"Origin": "http://evil.example"})
    assert error(r) == (403, OriginNotAllowed.public_message)
    link = client.get("/api/v1/echo/create", params={"name": "x"}, headers={"Sec-Fetch-Site": "cross-site"})
    assert error(link) == (403, CrossSiteRequest.public_message)
    assert upstream.requests == []
    # curl -d sends application/x-www-form-urlencoded and no browser signals: left be.
    curl = {"Content-Type": "application/x-www-form-urlencoded"}
    assert client.post("/api/v1/echo/create", content=b'{"name": "curl"}', headers=curl).status_code == 200
    assert upstream.last().json() == {"name": "curl"}
    assert client.get("/api/v1/echo/create", params={"name": "q"}).status_code == 200


def test_bearer_callers_are_unaffected(gateway: GatewayFactory, upstream: Upstream) -> None:
    client = signed_in(gateway, upstream)
    token = client.post("/api/v1/tokens", json={"name": "ci"}, headers={"Origin": OWN}).json()["token"]
    client.cookies.clear()
    anywhere = {**bearer(token), "Origin": "http://evil.example", "Content-Type": "text/plain"}
    assert client.post("/api/v1/tokens", content=b'{"name": "t2"}', headers=anywhere).status_code == 201
    link = client.get(
        "/api/v1/echo/create", params={"name": "x"}, headers={**bearer(token), "Sec-Fetch-Site": "cross-site"}
    )
    assert link.status_code == 200


def test_allowed_origins_may_write(gateway: GatewayFactory, upstream: Upstream) -> None:
    portal = "https://portal.example.com"
    client = signed_in(gateway, upstream, allowed_origins=[portal])
    r = client.post("/api/v1/tokens", json={"name": "portal"}, headers={"Origin": portal})
    assert r.status_code == 201
    other = client.post("/api/v1/tokens", json={"name": "x"}, headers={"Origin": portal + ":8443"})
    assert other.status_code == 403


def test_oauth_callbacks_stay_cross_site_navigations(
    gateway: GatewayFactory, upstream: Upstream, auth_server: AuthServer, idp: OpenIDProvider
) -> None:
    """The authorization server and the IdP send the browser back from their own site; the
    callbacks are GETs protected by their state, never refused as cross-site."""
    plugin = {
        "base_url": upstream.url,
        "auth": oauth2_auth(auth_server),
        "operations": providers(upstream)["echo"]["plugin"]["operations"],
    }
    client = gateway({"svc": {"plugin": plugin}}, oidc_auth(idp))
    client.headers["Sec-Fetch-Site"] = "cross-site"
    assert oidc_login(client, idp, "alice@example.com").status_code == 200
    client.headers["Sec-Fetch-Site"] = "same-origin"  # start-oauth comes from our own page
    started = client.post("/api/v1/auth/start-oauth", json={"integration": "svc"})
    assert started.status_code == 200, started.text
    location = urlsplit(httpx.get(started.json()["url"], follow_redirects=False).headers["location"])
    client.headers["Sec-Fetch-Site"] = "cross-site"
    done = client.get(location.path, params=dict(parse_qsl(location.query)), follow_redirects=False)
    assert (done.status_code, done.headers["location"]) == (303, "/integrations?connected=svc")
