"""Post-connect discovery after the integration OAuth callback, against a real authorization
server: the selection page (escaped, not cached, bound to the browser by a cookie), the choice,
and the access token used for discovery and for later calls."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
from litestar.testing import TestClient

from tests.conftest import GatewayFactory
from tests.support.identity import bearer, browser_origin, oidc_auth, oidc_login
from tests.support.oauth_server import AuthServer, oauth2_auth
from tests.support.oidc_provider import OpenIDProvider
from tests.support.upstream import Upstream

PENDING = "/api/v1/auth/pending-connection"
SERVER = {"server": {"encryption_key": "11" * 32, "base_url": "http://testserver.local"}}
SITES = [{"id": "alpha", "name": "<script>alert(1)</script>"}, {"id": "beta", "name": "Beta & Co"}]


def provider(upstream: Upstream, server: AuthServer) -> dict[str, Any]:
    auth = oauth2_auth(server)
    discovery = {"url": upstream.url + "/accessible-resources", "params": {"cloud_id": "id"}}
    return {
        "plugin": {
            "base_url": upstream.url + "/ex/{cloud_id}",
            "auth": auth,
            "params": {"cloud_id": {"required": True}},
            "discovery": discovery,
            "operations": [{"name": "ping", "method": "GET", "path": "/ping"}],
        }
    }


def connect_oauth(client: TestClient[Any], headers: dict[str, str] | None = None) -> httpx.Response:
    """start-oauth as the caller, the authorization server's redirect, then the public callback."""
    started = client.post("/api/v1/auth/start-oauth", json={"integration": "svc"}, headers=headers)
    assert started.status_code == 200, started.text
    location = urlsplit(httpx.get(started.json()["url"], follow_redirects=False).headers["location"])
    page = client.get(location.path, params=dict(parse_qsl(location.query)), follow_redirects=False)
    browser_origin(client)  # the browser is on our selection page: its form posts carry Origin
    return page


def page_token(page: httpx.Response) -> str:
    found = re.search(r'name="pending_token" value="([^"]+)"', page.text)
    assert found is not None, page.text
    return found.group(1)


def test_callback_shows_the_escaped_selection_page(
    gateway: GatewayFactory, upstream: Upstream, auth_server: AuthServer
) -> None:
    upstream.reply("/accessible-resources", body=SITES)
    client = gateway({"svc": provider(upstream, auth_server)}, SERVER)
    page = connect_oauth(client)
    assert page.status_code == 200
    assert (page.headers["content-type"], page.headers["cache-control"]) == (
        "text/html; charset=utf-8",
        "no-store",
    )
    assert upstream.last().headers["Authorization"] == f"Bearer {auth_server.issued[-1]}"
    assert "<script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text and "Beta &amp; Co" in page.text
    for token in ("Select a svc connection", f'action="{PENDING}"', 'name="candidate_index" value="1"'):
        assert token in page.text
    assert auth_server.issued[-1] not in page.text
    done = client.post(PENDING, data={"pending_token": page_token(page), "candidate_index": "1"})
    assert done.status_code == 200 and "<h1>svc connected</h1>" in done.text
    assert client.get("/api/v1/svc/ping").status_code == 200
    assert upstream.last().path == "/ex/beta/ping"
    assert upstream.last().headers["Authorization"] == f"Bearer {auth_server.issued[-1]}"


def test_one_candidate_redirects_as_before(
    gateway: GatewayFactory, upstream: Upstream, auth_server: AuthServer
) -> None:
    upstream.reply("/accessible-resources", body=SITES[1:])
    client = gateway({"svc": provider(upstream, auth_server)}, SERVER)
    done = connect_oauth(client)
    assert (done.status_code, done.headers["location"]) == (303, "/integrations?connected=svc")
    client.get("/api/v1/svc/ping")
    assert upstream.last().path == "/ex/beta/ping"


def test_browser_binding_without_a_session(
    gateway: GatewayFactory, upstream: Upstream, auth_server: AuthServer, idp: OpenIDProvider
) -> None:
    upstream.reply("/accessible-resources", body=SITES)
    config = ({"svc": provider(upstream, auth_server)}, oidc_auth(idp))
    client = gateway(*config)
    assert oidc_login(client, idp, "alice@example.com").status_code == 200
    alice = bearer(client.cookies["session_token"])
    client.cookies.clear()
    page = connect_oauth(client, headers=alice)
    choice = {"pending_token": page_token(page), "candidate_index": "0"}
    r = gateway(*config).post(PENDING, data=choice)  # another browser: no session, no pending cookie
    assert (r.status_code, r.json()) == (401, {"error": "pending connection authorization required"})
    done = client.post(PENDING, data=choice)  # the browser that saw the page
    assert done.status_code == 200 and "svc connected" in done.text
    client.get("/api/v1/svc/ping", headers=alice)
    assert upstream.last().path == "/ex/alpha/ping"


def test_discovery_is_decided_by_the_egress_policy_as_the_connecting_user(
    gateway: GatewayFactory, upstream: Upstream, auth_server: AuthServer
) -> None:
    upstream.reply("/accessible-resources", body=SITES[1:])
    only_api = {"default_action": "deny", "policies": [{"action": "allow", "path_prefix": "/ex"}]}
    client = gateway({"svc": provider(upstream, auth_server)}, {**SERVER, "egress": only_api})
    denied = connect_oauth(client)  # the token exchange is exempt; discovery is not
    assert (denied.status_code, denied.json()) == (
        403,
        {"error": "egress denied by policy: GET /accessible-resources"},
    )
    assert upstream.requests == []
    rule = {"action": "allow", "subject_kind": "user", "path_prefix": "/accessible-resources"}
    egress = {**only_api, "policies": [*only_api["policies"], rule]}
    client = gateway({"svc": provider(upstream, auth_server)}, {**SERVER, "egress": egress})
    assert connect_oauth(client).status_code == 303
    assert client.get("/api/v1/svc/ping").status_code == 200
    assert [r.path for r in upstream.requests] == ["/accessible-resources", "/ex/beta/ping"]
