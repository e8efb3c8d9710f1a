"""API token routes (reference http-api §8) and what a scoped token may see, call and mint."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from litestar.testing import TestClient

from tests.conftest import GatewayFactory
from tests.support.identity import bearer, local_auth, local_login
from tests.support.upstream import Upstream


def echo_provider(base_url: str) -> dict[str, Any]:
    return {
        "plugin": {"base_url": base_url, "operations": [{"name": "ping", "method": "GET", "path": "/ping"}]}
    }


def logged_in(
    gateway: GatewayFactory, providers: dict[str, dict[str, Any]], **server: Any
) -> TestClient[Any]:
    extra = {**local_auth(), "server": {"encryption_key": "11" * 32, **server}}
    client = gateway(providers, extra)
    assert local_login(client).status_code == 200
    return client


def _expires_in(body: dict[str, Any]) -> timedelta:
    return datetime.strptime(body["expires_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC) - datetime.now(UTC)


def test_create_list_and_revoke(gateway: GatewayFactory) -> None:
    client = logged_in(gateway, {})
    created = client.post("/api/v1/tokens", json={"name": "my-token"})
    assert created.status_code == 201
    body = created.json()
    assert list(body) == ["id", "name", "token", "expires_at"]
    assert body["name"] == "my-token" and body["token"].startswith("gst_api_") and len(body["token"]) == 72
    assert timedelta(days=30) - timedelta(seconds=5) < _expires_in(body) <= timedelta(days=30)
    listed = client.get("/api/v1/tokens").json()
    assert [list(t) for t in listed] == [["id", "name", "scopes", "created_at", "expires_at"]]
    assert listed[0]["scopes"] == "" and listed[0]["id"] == body["id"]
    assert body["token"] not in client.get("/api/v1/tokens").text
    assert client.delete(f"/api/v1/tokens/{body['id']}").json() == {"status": "revoked"}
    assert client.get("/api/v1/tokens").json() == []
    r = client.delete(f"/api/v1/tokens/{body['id']}")
    assert (r.status_code, r.json()) == (404, {"error": "token not found"})


def test_configurable_ttl(gateway: GatewayFactory) -> None:
    client = logged_in(gateway, {}, api_token_ttl="7d")
    body = client.post("/api/v1/tokens", json={"name": "week"}).json()
    assert timedelta(days=7) - timedelta(seconds=5) < _expires_in(body) <= timedelta(days=7)


def test_revoke_all(gateway: GatewayFactory) -> None:
    client = logged_in(gateway, {})
    assert client.delete("/api/v1/tokens").json() == {"count": 0, "status": "revoked"}
    tokens = [client.post("/api/v1/tokens", json={"name": f"t{i}"}).json()["token"] for i in range(3)]
    assert client.delete("/api/v1/tokens").json() == {"count": 3, "status": "revoked"}
    client.cookies.clear()
    r = client.get("/api/v1/tokens", headers=bearer(tokens[0]))
    assert (r.status_code, r.json()) == (401, {"error": "invalid token"})


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        (None, 400, "invalid JSON body"),
        ([], 400, "invalid JSON body"),
        ({}, 400, "name is required"),
        ({"name": ""}, 400, "name is required"),
        ({"name": "x", "scopes": "echo nope"}, 400, 'unknown scope "nope"'),
        ({"name": "x", "scopes": ["echo", "nope"]}, 400, 'unknown scope "nope"'),
        ({"name": "x", "scopes": ["echo", 3]}, 400, "scopes must be a string or a list of strings"),
        ({"name": "x", "scopes": {"echo": True}}, 400, "scopes must be a string or a list of strings"),
    ],
)
def test_create_validation(
    gateway: GatewayFactory, upstream: Upstream, body: Any, status: int, message: str
) -> None:
    client = logged_in(gateway, {"echo": echo_provider(upstream.url)})
    if body is None:  # an empty body, declared JSON as a browser must
        r = client.post("/api/v1/tokens", content=b"", headers={"Content-Type": "application/json"})
    else:
        r = client.post("/api/v1/tokens", json=body)
    assert (r.status_code, r.json()) == (status, {"error": message})


@pytest.mark.parametrize("scopes", [["echo", "other"], "echo other", " echo  other "])
def test_scopes_as_the_readme_shows_them_or_as_the_reference_string(
    gateway: GatewayFactory, upstream: Upstream, scopes: Any
) -> None:
    """README: ``POST /api/v1/tokens {"name": "ci", "scopes": ["httpbin"]}``; the reference: a string."""
    client = logged_in(gateway, {"echo": echo_provider(upstream.url), "other": echo_provider(upstream.url)})
    created = client.post("/api/v1/tokens", json={"name": "ci", "scopes": scopes})
    assert created.status_code == 201, created.text
    assert client.get("/api/v1/tokens").json()[0]["scopes"] == "echo other"
    client.cookies.clear()
    auth = bearer(created.json()["token"])
    assert [i["name"] for i in client.get("/api/v1/integrations", headers=auth).json()] == ["echo", "other"]


def test_tokens_need_authentication(gateway: GatewayFactory) -> None:
    client = gateway({}, local_auth())
    r = client.post("/api/v1/tokens", json={"name": "x"})
    assert (r.status_code, r.json()) == (401, {"error": "missing authorization"})


def test_scoped_token_sees_and_calls_only_its_integrations(
    gateway: GatewayFactory, upstream: Upstream
) -> None:
    client = logged_in(gateway, {"echo": echo_provider(upstream.url), "other": echo_provider(upstream.url)})
    scoped = client.post("/api/v1/tokens", json={"name": "s", "scopes": "echo"}).json()["token"]
    client.cookies.clear()
    auth = bearer(scoped)
    assert [i["name"] for i in client.get("/api/v1/integrations", headers=auth).json()] == ["echo"]
    assert client.get("/api/v1/echo/ping", headers=auth).status_code == 200
    assert upstream.last().path == "/ping"
    denied = client.get("/api/v1/other/ping", headers=auth)
    assert (denied.status_code, denied.json()) == (403, {"error": "token scope denied: other"})
    ops = client.get("/api/v1/integrations/other/operations", headers=auth)
    assert ops.status_code == 403
    assert client.get("/api/v1/tokens", headers=auth).json()[0]["scopes"] == "echo"


def test_scoped_token_cannot_mint_a_wider_token(gateway: GatewayFactory, upstream: Upstream) -> None:
    client = logged_in(gateway, {"echo": echo_provider(upstream.url), "other": echo_provider(upstream.url)})
    scoped = client.post("/api/v1/tokens", json={"name": "s", "scopes": "echo"}).json()["token"]
    client.cookies.clear()
    auth = bearer(scoped)
    for body in (
        {"name": "wide"},
        {"name": "other", "scopes": "other"},
        {"name": "both", "scopes": "echo other"},
    ):
        r = client.post("/api/v1/tokens", json=body, headers=auth)
        assert (r.status_code, r.json()) == (403, {"error": "token scopes exceed the caller's scopes"})
    assert (
        client.post("/api/v1/tokens", json={"name": "same", "scopes": "echo"}, headers=auth).status_code
        == 201
    )


def test_a_token_scoped_to_one_operation(gateway: GatewayFactory, upstream: Upstream) -> None:
    """README: ``POST /api/v1/tokens {"scopes": ["github:create_issue"]}``."""
    ops = [{"name": name, "method": "GET", "path": f"/{name}"} for name in ("ping", "pong")]
    two = {"plugin": {"base_url": upstream.url, "operations": ops}}
    client = logged_in(gateway, {"echo": two})
    unknown = client.post("/api/v1/tokens", json={"name": "x", "scopes": ["echo:nope"]})
    assert (unknown.status_code, unknown.json()) == (400, {"error": 'unknown scope "echo:nope"'})
    scoped = client.post("/api/v1/tokens", json={"name": "one", "scopes": ["echo:ping"]}).json()["token"]
    client.cookies.clear()
    auth = bearer(scoped)
    assert client.get("/api/v1/echo/ping", headers=auth).status_code == 200
    denied = client.get("/api/v1/echo/pong", headers=auth)
    assert (denied.status_code, denied.json()) == (403, {"error": "token scope denied: echo:pong"})
    listed = client.get("/api/v1/integrations/echo/operations", headers=auth).json()
    assert [o["id"] for o in listed] == ["ping"]
    wider = client.post("/api/v1/tokens", json={"name": "w", "scopes": ["echo"]}, headers=auth)
    assert wider.status_code == 403
    same = client.post("/api/v1/tokens", json={"name": "s", "scopes": ["echo:ping"]}, headers=auth)
    assert same.status_code == 201
    assert client.get("/api/v1/tokens", headers=auth).json()[0]["scopes"] == "echo:ping"


def test_unscoped_token_calls_everything(gateway: GatewayFactory, upstream: Upstream) -> None:
    client = logged_in(gateway, {"echo": echo_provider(upstream.url), "other": echo_provider(upstream.url)})
    token = client.post("/api/v1/tokens", json={"name": "all"}).json()["token"]
    client.cookies.clear()
    assert len(client.get("/api/v1/integrations", headers=bearer(token)).json()) == 2
    assert client.get("/api/v1/other/ping", headers=bearer(token)).status_code == 200


def test_none_mode_tokens_belong_to_the_anonymous_user(gateway: GatewayFactory) -> None:
    client = gateway({})
    assert client.post("/api/v1/tokens", json={"name": "anon"}).status_code == 201
    assert [t["name"] for t in client.get("/api/v1/tokens").json()] == ["anon"]
