"""``auth.type: mcp_oauth`` end to end on a real ``gestaltd serve``: discovery against an upstream MCP
server that answers 401, dynamic client registration (kept encrypted in the store and reused),
authorization code + PKCE through the integration OAuth routes, the upstream's tools on ``/mcp``
with the stored token, and refresh through the discovered token endpoint."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from mcp.client import Client

from tests.mcp.conftest import run, with_client
from tests.support.configs import write_config
from tests.support.identity import local_auth, local_login
from tests.support.mcp_oauth_server import SCOPE, McpAuthServer, start_mcp_auth_server, start_secured_mcp
from tests.support.mcp_upstream import McpUpstream
from tests.support.served import serve

BASE_URL = "http://testserver.local"
CALLBACK = BASE_URL + "/api/v1/auth/callback"


@dataclass
class Upstreams:
    auth: McpAuthServer
    mcp: McpUpstream


@dataclass
class Gestalt:
    url: str
    http: httpx.Client  # logged in (session cookie)
    token: str  # API token for /mcp

    def connect(self) -> httpx.Response:
        started = self.http.post("/api/v1/auth/start-oauth", json={"integration": "secure"})
        assert started.status_code == 200, started.text
        reply = httpx.get(started.json()["url"], follow_redirects=False)
        assert reply.status_code == 302, reply.text
        location = urlsplit(reply.headers["location"])
        assert f"{location.scheme}://{location.netloc}{location.path}" == CALLBACK
        return self.http.get(location.path, params=dict(parse_qsl(location.query)))


@pytest.fixture(scope="module")
def upstreams() -> Iterator[Upstreams]:
    auth, stop_auth = start_mcp_auth_server()
    mcp, stop_mcp = start_secured_mcp(auth)
    yield Upstreams(auth, mcp)
    stop_mcp()
    stop_auth()


def _config(root: Path, upstreams: Upstreams, **extra: Any) -> Path:
    plugin = {"mcp_url": upstreams.mcp.url, "auth": {"type": "mcp_oauth"}}
    server = {"port": 8080, "encryption_key": "11" * 32, "base_url": BASE_URL}
    return write_config(root, {"secure": {"plugin": plugin}}, {"server": server, **local_auth(), **extra})


def _started(config: Path) -> tuple[Gestalt, Any]:
    url, stop = serve(config)
    http = httpx.Client(base_url=url, follow_redirects=False)
    assert local_login(http).status_code == 200
    token = http.post("/api/v1/tokens", json={"name": "t"}).json()["token"]

    def close() -> None:
        http.close()
        stop()

    return Gestalt(url, http, token), close


@pytest.fixture(scope="module")
def gestalt(tmp_path_factory: pytest.TempPathFactory, upstreams: Upstreams) -> Iterator[Gestalt]:
    served, close = _started(_config(tmp_path_factory.mktemp("mcp-oauth"), upstreams))
    yield served
    close()


async def _tool_names(c: Client) -> list[str]:
    return sorted(t.name for t in (await c.list_tools()).tools)


def _call(g: Gestalt, name: str, args: dict[str, Any]) -> Any:
    return run(with_client(f"{g.url}/mcp", g.token, lambda c: c.call_tool(name, args)))


def test_listing_offers_oauth(gestalt: Gestalt) -> None:
    listed = gestalt.http.get("/api/v1/integrations").json()
    assert [(i["name"], i["auth_types"]) for i in listed] == [("secure", ["oauth"])]


def test_connect_discovers_registers_and_serves_the_upstream_tools(
    gestalt: Gestalt, upstreams: Upstreams
) -> None:
    done = gestalt.connect()
    assert (done.status_code, done.headers["location"]) == (303, "/integrations?connected=secure")
    registration = upstreams.auth.registrations[0]
    assert registration["redirect_uris"] == [CALLBACK]
    assert registration["token_endpoint_auth_method"] == "client_secret_post"
    assert set(registration["grant_types"]) == {"authorization_code", "refresh_token"}
    asked = upstreams.auth.authorize_requests[-1]
    assert (asked["code_challenge_method"], asked["scope"]) == ("S256", SCOPE)
    assert asked["resource"] == upstreams.mcp.url
    names = run(with_client(f"{gestalt.url}/mcp", gestalt.token, _tool_names))
    assert names == ["secure_add", "secure_explode", "secure_whoami"]
    token = list(upstreams.auth.tokens)[-1]
    assert _call(gestalt, "secure_whoami", {}).structured_content == {"result": f"Bearer {token}"}
    assert _call(gestalt, "secure_add", {"a": 2, "b": 3}).structured_content == {"result": 5}


def test_second_connect_reuses_the_registration(gestalt: Gestalt, upstreams: Upstreams) -> None:
    gestalt.connect()
    before = len(upstreams.auth.registrations)
    assert gestalt.connect().status_code == 303
    assert len(upstreams.auth.registrations) == before == 1


def test_a_token_near_expiry_is_refreshed_at_the_discovered_endpoint(
    gestalt: Gestalt, upstreams: Upstreams
) -> None:
    upstreams.auth.expires_in = 60  # inside the five-minute refresh window
    try:
        gestalt.connect()
    finally:
        upstreams.auth.expires_in = 3600  # the refreshed token is not due again
    connected = list(upstreams.auth.tokens)[-1]
    result = _call(gestalt, "secure_whoami", {})
    refreshes = [r for r in upstreams.auth.token_requests if r["grant_type"] == "refresh_token"]
    assert len(refreshes) == 1 and refreshes[0]["resource"] == upstreams.mcp.url
    latest = list(upstreams.auth.tokens)[-1]
    assert latest != connected and result.structured_content == {"result": f"Bearer {latest}"}


def test_without_a_credential_the_upstream_contributes_no_tools(tmp_path: Path, upstreams: Upstreams) -> None:
    served, close = _started(_config(tmp_path, upstreams))
    try:
        assert run(with_client(f"{served.url}/mcp", served.token, _tool_names)) == []
    finally:
        close()


def test_the_registration_survives_a_restart_encrypted(tmp_path: Path, upstreams: Upstreams) -> None:
    config = _config(tmp_path, upstreams)
    before = len(upstreams.auth.registrations)
    for _ in range(2):
        served, close = _started(config)
        try:
            assert served.connect().status_code == 303
        finally:
            close()
    assert len(upstreams.auth.registrations) == before + 1
    secret = next(reversed(upstreams.auth.clients.values()))["client_secret"]
    with sqlite3.connect(tmp_path / "gestalt.db") as db:
        rows = db.execute("SELECT client_id, client_secret_encrypted FROM oauth_registrations").fetchall()
    assert len(rows) == 1 and rows[0][1] and secret not in rows[0][1]


def test_discovery_and_registration_are_decided_by_the_egress_policy(
    tmp_path: Path, upstreams: Upstreams
) -> None:
    """The engine's own requests for an integration: subject system/mcp_oauth, the provider named."""
    rule = {"action": "deny", "subject_kind": "system", "subject_id": "mcp_oauth", "provider": "secure"}
    before = len(upstreams.auth.registrations)
    served, close = _started(_config(tmp_path, upstreams, egress={"policies": [rule]}))
    try:
        r = served.http.post("/api/v1/auth/start-oauth", json={"integration": "secure"})
        assert r.status_code == 403
        assert r.json()["error"].startswith("egress denied by policy: ")
    finally:
        close()
    assert len(upstreams.auth.registrations) == before
