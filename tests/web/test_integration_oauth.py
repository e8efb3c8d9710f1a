"""Integration OAuth against a real authorization server on loopback: start, callback with PKCE,
refresh once under concurrency, rotation across a restart, refresh failures, no plaintext at rest."""

from __future__ import annotations

import logging
import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
from litestar.testing import TestClient

from tests.conftest import GatewayFactory
from tests.support.logs import CollectLogs
from tests.support.oauth_server import CLIENT_ID, CLIENT_SECRET, AuthServer, connect_through, oauth2_auth
from tests.support.upstream import Upstream

BASE_URL = "http://testserver.local"
SERVER = {"server": {"encryption_key": "11" * 32, "base_url": BASE_URL}}


def oauth_provider(upstream: Upstream, server: AuthServer, **auth: Any) -> dict[str, Any]:
    spec = oauth2_auth(server, **{"scopes": ["read", "write"], **auth})
    ops = [{"name": "ping", "method": "GET", "path": "/ping"}]
    return {"plugin": {"base_url": upstream.url, "auth": spec, "operations": ops}}


def connect_oauth(client: TestClient[Any], **body: Any) -> httpx.Response:
    response: httpx.Response = connect_through(client, BASE_URL, **{"integration": "svc", **body})
    return response


def test_start_and_callback_with_pkce(
    gateway: GatewayFactory, upstream: Upstream, auth_server: AuthServer
) -> None:
    client = gateway({"svc": oauth_provider(upstream, auth_server, client_auth="header")}, SERVER)
    done = connect_oauth(client, scopes=["only"])
    assert (done.status_code, done.headers["location"]) == (303, "/integrations?connected=svc")
    query = auth_server.authorize_requests[-1]
    assert query["code_challenge_method"] == "S256" and query["scope"] == "only"
    assert query["redirect_uri"] == BASE_URL + "/api/v1/auth/callback"
    assert "code_verifier" in auth_server.token_requests[-1]
    assert "client_secret" not in auth_server.token_requests[-1]  # sent as HTTP Basic
    assert client.get("/api/v1/svc/ping").status_code == 200
    assert upstream.last().headers["Authorization"] == f"Bearer {auth_server.issued[-1]}"
    listed = client.get("/api/v1/integrations").json()[0]
    assert listed["auth_types"] == ["oauth"] and listed["instances"] == [
        {"name": "default", "connection": "plugin"}
    ]


def test_pkce_is_s256_by_default_and_pkce_false_turns_it_off(
    gateway: GatewayFactory, upstream: Upstream, auth_server: AuthServer
) -> None:
    """OAuth 2.1: every authorization code flow uses S256 unless the auth block says ``pkce: false``."""
    client = gateway({"svc": oauth_provider(upstream, auth_server)}, SERVER)
    assert connect_oauth(client).status_code == 303
    query = auth_server.authorize_requests[-1]
    assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
    assert len(auth_server.token_requests[-1]["code_verifier"]) >= 43
    client = gateway({"svc": oauth_provider(upstream, auth_server, pkce=False)}, SERVER)
    assert connect_oauth(client).status_code == 303
    assert "code_challenge" not in auth_server.authorize_requests[-1]
    assert "code_challenge_method" not in auth_server.authorize_requests[-1]
    assert "code_verifier" not in auth_server.token_requests[-1]


def test_callback_errors(gateway: GatewayFactory, upstream: Upstream, auth_server: AuthServer) -> None:
    client = gateway({"svc": oauth_provider(upstream, auth_server)}, SERVER)
    r = client.get("/api/v1/auth/callback", params={"code": "x"})
    assert (r.status_code, r.json()) == (400, {"error": "missing code or state parameter"})
    r = client.get("/api/v1/auth/callback", params={"code": "x", "state": "forged"})
    assert (r.status_code, r.json()) == (400, {"error": "invalid or expired oauth state"})
    state = client.post("/api/v1/auth/start-oauth", json={"integration": "svc"}).json()["state"]
    r = client.get("/api/v1/auth/callback", params={"code": "wrong", "state": state})
    assert (r.status_code, r.json()) == (502, {"error": "token exchange failed"})
    r = client.get("/api/v1/auth/callback", params={"code": "wrong", "state": state})
    assert (r.status_code, r.json()) == (400, {"error": "invalid or expired oauth state"})  # single use


def test_start_oauth_errors(gateway: GatewayFactory, upstream: Upstream, auth_server: AuthServer) -> None:
    ops = [{"name": "ping", "method": "GET", "path": "/ping"}]
    manual = {"plugin": {"base_url": upstream.url, "auth": {"type": "bearer"}, "operations": ops}}
    client = gateway({"svc": oauth_provider(upstream, auth_server), "man": manual}, SERVER)
    cases = [
        ({"integration": "ghost"}, 404, 'integration "ghost" not found'),
        ({"integration": "man"}, 400, 'integration "man" has no OAuth connections configured'),
        ({"integration": "svc", "connection": "nope"}, 400,
         'connection "nope" on integration "svc" does not support OAuth'),
        ({"integration": "svc", "instance": "a b"}, 400, "instance name contains invalid characters"),
    ]  # fmt: skip
    for body, status, message in cases:
        r = client.post("/api/v1/auth/start-oauth", json=body)
        assert (r.status_code, r.json()) == (status, {"error": message})


def test_twenty_concurrent_calls_refresh_once(
    gateway: GatewayFactory, upstream: Upstream, auth_server: AuthServer
) -> None:
    auth_server.expires_in = 60  # inside the five-minute window: due at once
    auth_server.refresh_delay = 0.3
    client = gateway({"svc": oauth_provider(upstream, auth_server)}, SERVER)
    assert connect_oauth(client).status_code == 303
    first = auth_server.issued[-1]
    with ThreadPoolExecutor(20) as pool:
        replies = list(pool.map(lambda _: client.get("/api/v1/svc/ping"), range(20)))
    assert [r.status_code for r in replies] == [200] * 20
    assert auth_server.refresh_calls == 1
    new = auth_server.issued[-1]
    assert new != first
    assert [r.headers["Authorization"] for r in upstream.requests] == [f"Bearer {new}"] * 20


def test_rotated_refresh_token_survives_a_restart(
    gateway: GatewayFactory, upstream: Upstream, auth_server: AuthServer
) -> None:
    auth_server.expires_in = auth_server.refreshed_expires_in = 60  # every call refreshes
    client = gateway({"svc": oauth_provider(upstream, auth_server)}, SERVER)
    assert connect_oauth(client).status_code == 303
    assert client.get("/api/v1/svc/ping").status_code == 200
    restarted = gateway({"svc": oauth_provider(upstream, auth_server)}, SERVER)  # same SQLite file
    assert restarted.get("/api/v1/svc/ping").status_code == 200  # the old refresh token is now invalid
    assert auth_server.refresh_calls == 2
    assert upstream.last().headers["Authorization"] == f"Bearer {auth_server.issued[-1]}"


def test_refresh_failure(
    gateway: GatewayFactory, upstream: Upstream, auth_server: AuthServer, tmp_path: Path
) -> None:
    auth_server.expires_in = 120
    auth_server.refresh_fails = True
    client = gateway({"svc": oauth_provider(upstream, auth_server)}, SERVER)
    assert connect_oauth(client).status_code == 303
    assert client.get("/api/v1/svc/ping").status_code == 200  # still valid: the old token is used
    assert upstream.last().headers["Authorization"] == f"Bearer {auth_server.issued[-1]}"
    auth_server.expires_in = 1
    assert connect_oauth(client).status_code == 303
    time.sleep(2.1)
    r = client.get("/api/v1/svc/ping")
    assert (r.status_code, r.json()) == (502, {"error": "operation failed"})
    with sqlite3.connect(tmp_path / "gestalt.db") as db:
        assert db.execute("SELECT refresh_error_count FROM integration_tokens").fetchall() == [(1,)]


def test_no_tokens_in_plaintext_at_rest_logs_or_responses(
    gateway: GatewayFactory, upstream: Upstream, auth_server: AuthServer, tmp_path: Path
) -> None:
    auth_server.expires_in = 60
    telemetry = {"telemetry": {"provider": "stdout", "config": {"format": "json", "level": "debug"}}}
    client = gateway({"svc": oauth_provider(upstream, auth_server)}, {**SERVER, **telemetry})
    logs = CollectLogs()
    logging.getLogger("gestalt").addHandler(logs)
    try:
        assert connect_oauth(client).status_code == 303
        assert client.get("/api/v1/svc/ping").status_code == 200
        auth_server.refresh_fails, auth_server.expires_in = True, 1
        assert connect_oauth(client).status_code == 303
        time.sleep(2.1)
        failed = client.get("/api/v1/svc/ping")
    finally:
        logging.getLogger("gestalt").removeHandler(logs)
    assert failed.status_code == 502 and any("token refresh failed" in line for line in logs.lines)
    listing = client.get("/api/v1/integrations").text
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("gestalt.db*"))
    secrets = [*auth_server.issued, *auth_server.refresh_tokens, CLIENT_SECRET]
    assert len(secrets) == 6
    for secret in secrets:
        assert secret.encode() not in raw and secret not in listing and secret not in failed.text
        assert not any(secret in line for line in logs.lines)


def _two_replicas(gateway: GatewayFactory, upstream: Upstream, auth_server: AuthServer) -> list[Any]:
    """Two apps on one database (the same config dir): replicas, as far as refresh can tell."""
    first = gateway({"svc": oauth_provider(upstream, auth_server)}, SERVER)
    assert connect_oauth(first).status_code == 303
    second = gateway({"svc": oauth_provider(upstream, auth_server)}, SERVER)
    time.sleep(1.2)  # the token issued at connect expires after 1 s
    return [first, second]


def test_an_expired_token_is_refreshed_once_across_replicas(
    gateway: GatewayFactory, upstream: Upstream, auth_server: AuthServer
) -> None:
    auth_server.expires_in = 1
    auth_server.refresh_delay = 0.3
    replicas = _two_replicas(gateway, upstream, auth_server)
    with ThreadPoolExecutor(20) as pool:
        replies = list(pool.map(lambda i: replicas[i % 2].get("/api/v1/svc/ping"), range(20)))
    assert [r.status_code for r in replies] == [200] * 20
    assert auth_server.refresh_calls == 1
    new = auth_server.issued[-1]
    assert [r.headers["Authorization"] for r in upstream.requests] == [f"Bearer {new}"] * 20


def test_a_failed_refresh_fails_the_other_replica_at_once_and_is_recorded_once(
    gateway: GatewayFactory, upstream: Upstream, auth_server: AuthServer, tmp_path: Path
) -> None:
    auth_server.expires_in = 1
    auth_server.refresh_delay = 0.3
    auth_server.refresh_fails = True
    replicas = _two_replicas(gateway, upstream, auth_server)
    started = time.monotonic()
    with ThreadPoolExecutor(2) as pool:
        replies = list(pool.map(lambda client: client.get("/api/v1/svc/ping"), replicas))
    assert time.monotonic() - started < 5  # the follower does not wait out the lease
    assert [(r.status_code, r.json()) for r in replies] == [(502, {"error": "operation failed"})] * 2
    assert auth_server.refresh_calls == 1
    with sqlite3.connect(tmp_path / "gestalt.db") as db:
        assert db.execute("SELECT refresh_error_count FROM integration_tokens").fetchall() == [(1,)]


def test_redirect_url_is_the_redirect_uri_of_the_authorization_and_the_token_request(
    gateway: GatewayFactory, upstream: Upstream, auth_server: AuthServer
) -> None:
    """``auth.redirect_url`` (the public callback, e.g. behind a proxy) is sent as ``redirect_uri``
    at authorize and again at the code exchange; a connection without one keeps the default."""
    public = "https://gateway.example.test/proxied/api/v1/auth/callback"
    provider = oauth_provider(upstream, auth_server)
    proxied = {**provider["plugin"]["auth"], "redirect_url": public}
    provider["plugin"].update(connections={"proxied": {"auth": proxied}}, default_connection="plugin")
    client = gateway({"svc": provider}, SERVER)

    started = client.post("/api/v1/auth/start-oauth", json={"integration": "svc", "connection": "proxied"})
    assert started.status_code == 200, started.text
    assert dict(parse_qsl(urlsplit(started.json()["url"]).query))["redirect_uri"] == public
    reply = httpx.get(started.json()["url"], follow_redirects=False)
    location = urlsplit(reply.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == public
    # The proxy forwards the public URL to the gateway's own callback route.
    callback, query = location.path.removeprefix("/proxied"), dict(parse_qsl(location.query))
    done = client.get(callback, params=query, follow_redirects=False)
    assert (done.status_code, done.headers["location"]) == (303, "/integrations?connected=svc")
    assert auth_server.authorize_requests[-1]["redirect_uri"] == public
    assert auth_server.token_requests[-1]["redirect_uri"] == public
    assert auth_server.token_requests[-1]["client_id"] == CLIENT_ID

    assert connect_oauth(client, connection="plugin").status_code == 303  # no redirect_url: the default
    assert auth_server.authorize_requests[-1]["redirect_uri"] == BASE_URL + "/api/v1/auth/callback"
    assert auth_server.token_requests[-1]["redirect_uri"] == BASE_URL + "/api/v1/auth/callback"


def test_token_endpoints_are_outside_the_egress_policy(
    gateway: GatewayFactory, upstream: Upstream, auth_server: AuthServer
) -> None:
    """Spec §7: the code exchange and the refresh reach the token endpoint whatever the rules say
    (here every request but the API's is denied, the token host by name too); the API call that
    follows is decided by the policy as usual."""
    auth_server.expires_in = 60  # every call refreshes first
    token_host = auth_server.url.split("//", 1)[1]
    egress = {
        "default_action": "deny",
        "policies": [
            {"action": "deny", "host": token_host},
            {"action": "allow", "host": upstream.url.split("//", 1)[1], "path_prefix": "/ping"},
        ],
    }
    client = gateway({"svc": oauth_provider(upstream, auth_server)}, {**SERVER, "egress": egress})
    assert connect_oauth(client).status_code == 303
    assert client.get("/api/v1/svc/ping").status_code == 200
    assert auth_server.refresh_calls == 1
    assert upstream.last().headers["Authorization"] == f"Bearer {auth_server.issued[-1]}"
