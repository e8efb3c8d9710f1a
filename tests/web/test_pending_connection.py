"""Post-connect discovery after a manual connect, and ``POST /api/v1/auth/pending-connection``:
one candidate stored at once, several chosen through a sealed single-use pending token, expiry,
another user's token, and no credential in the token or the logs."""

from __future__ import annotations

import base64
import logging
import time
from types import SimpleNamespace
from typing import Any

import pytest
from litestar.testing import TestClient

from engine import crypto
from tests.conftest import GatewayFactory
from tests.support.identity import bearer, browser_origin, oidc_auth, oidc_login
from tests.support.oidc_provider import OpenIDProvider
from tests.support.upstream import Upstream

PING = {"name": "ping", "method": "GET", "path": "/ping"}
PENDING = "/api/v1/auth/pending-connection"
SITES = {"data": {"sites": [{"id": "alpha", "name": "Alpha"}, {"id": "beta", "name": "Beta"}]}}


def discovery_provider(base_url: str, **discovery: Any) -> dict[str, Any]:
    spec = {"url": base_url + "/resources", "params": {"cloud_id": "id"}, **discovery}
    return {
        "plugin": {
            "base_url": base_url + "/ex/{cloud_id}",
            "auth": {"type": "bearer"},
            "params": {"cloud_id": {"required": True}},
            "discovery": spec,
            "operations": [PING],
        }
    }


def connect(client: TestClient[Any], secret: str = "user-secret-1", **headers: str) -> Any:
    body = {"integration": "svc", "credential": secret}
    return client.post("/api/v1/auth/connect-manual", json=body, headers=headers)


def error(status: int, message: str) -> tuple[int, dict[str, str]]:
    return status, {"error": message}


def test_listing_marks_discovered_params_and_asks_only_for_the_others(
    gateway: GatewayFactory, upstream: Upstream
) -> None:
    provider = discovery_provider(upstream.url)
    provider["plugin"]["params"] |= {"region": {"required": True, "description": "Region"}}
    client = gateway({"svc": provider})
    listed = client.get("/api/v1/integrations").json()[0]
    assert listed["connection_params"] == {
        "cloud_id": {"discovered": True},  # filled by discovery after connecting: not an input
        "region": {"required": True, "description": "Region"},
    }


def test_one_candidate_is_stored_at_once(gateway: GatewayFactory, upstream: Upstream) -> None:
    upstream.reply("/resources", body=[{"id": "site-1", "name": "Only"}])
    client = gateway({"svc": discovery_provider(upstream.url)})
    r = connect(client)
    assert (r.status_code, r.json()) == (200, {"status": "connected", "integration": "svc"})
    sent = upstream.last()
    assert (sent.method, sent.path, sent.headers["Authorization"]) == (
        "GET",
        "/resources",
        "Bearer user-secret-1",
    )
    assert client.get("/api/v1/svc/ping").status_code == 200
    assert upstream.last().path == "/ex/site-1/ping"


def test_several_candidates_then_choose(gateway: GatewayFactory, upstream: Upstream) -> None:
    upstream.reply("/resources", body=SITES)
    client = gateway({"svc": discovery_provider(upstream.url, items_path="data.sites")})
    r = connect(client)
    pending = r.json()
    assert pending["status"] == "selection_required" and pending["selection_url"] == PENDING
    assert pending["candidates"] == [{"id": "alpha", "label": "Alpha"}, {"id": "beta", "label": "Beta"}]
    assert client.get("/api/v1/svc/ping").status_code == 412  # nothing stored yet
    token = pending["pending_token"]
    r = client.post(PENDING, json={"pending_token": token})  # no choice: the selection again
    assert r.json()["candidates"] == pending["candidates"]
    r = client.post(PENDING, json={"pending_token": token, "candidate_index": 1})
    assert (r.status_code, r.json()) == (200, {"status": "connected", "integration": "svc"})
    assert client.get("/api/v1/svc/ping").status_code == 200
    assert upstream.last().path == "/ex/beta/ping"
    assert upstream.last().headers["Authorization"] == "Bearer user-secret-1"
    r = client.post(PENDING, json={"pending_token": token, "candidate_index": 0})
    assert (r.status_code, r.json()) == error(400, "invalid or expired pending connection")  # single use


def test_choice_by_form_and_by_id(gateway: GatewayFactory, upstream: Upstream) -> None:
    upstream.reply("/resources", body=SITES)
    client = gateway({"svc": discovery_provider(upstream.url, items_path="data.sites")})
    browser_origin(client)  # the choices come from the selection page's form
    token = connect(client).json()["pending_token"]
    page = client.post(PENDING, data={"pending_token": token})
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert page.headers["cache-control"] == "no-store"
    assert "Select a svc connection" in page.text and 'name="candidate_index" value="1"' in page.text
    assert "pending_connection_state" in page.headers["set-cookie"]
    done = client.post(PENDING, data={"pending_token": token, "candidate_id": "alpha"})
    assert done.status_code == 200 and "svc connected" in done.text
    assert 'href="/integrations?connected=svc"' in done.text
    client.get("/api/v1/svc/ping")
    assert upstream.last().path == "/ex/alpha/ping"
    token = connect(client).json()["pending_token"]
    client.cookies.set("session_token", "any")  # a signed-in browser is sent back to the UI
    done = client.post(PENDING, data={"pending_token": token, "candidate_index": "0"}, follow_redirects=False)
    assert (done.status_code, done.headers["location"]) == (303, "/integrations?connected=svc")


def test_request_errors(gateway: GatewayFactory, upstream: Upstream) -> None:
    upstream.reply("/resources", body=SITES)
    client = gateway({"svc": discovery_provider(upstream.url, items_path="data.sites")})
    token = connect(client).json()["pending_token"]
    cases = [
        ({}, error(400, "pending_token is required")),
        ({"pending_token": "forged"}, error(400, "invalid or expired pending connection")),
        ({"pending_token": token[:-4] + "AAAA"}, error(400, "invalid or expired pending connection")),
        ({"pending_token": token, "candidate_index": "one"}, error(400, "invalid candidate index")),
        ({"pending_token": token, "candidate_index": "2"}, error(400, "candidate not found")),
        ({"pending_token": token, "candidate_index": "-1"}, error(400, "candidate not found")),
        ({"pending_token": token, "candidate_id": "gamma"}, error(400, "candidate not found")),
    ]
    for form, expected in cases:
        r = client.post(PENDING, data=form)
        assert (r.status_code, r.json()) == expected, form
    r = client.post(PENDING, content=b"{", headers={"Content-Type": "application/json"})
    assert (r.status_code, r.json()) == error(400, "invalid JSON body")
    r = client.post(PENDING, data={"pending_token": token, "candidate_index": "0"})
    assert r.status_code == 200  # none of the errors used the token up


def test_expired_pending_connection_is_410(
    gateway: GatewayFactory, upstream: Upstream, monkeypatch: pytest.MonkeyPatch
) -> None:
    upstream.reply("/resources", body=SITES)
    client = gateway({"svc": discovery_provider(upstream.url, items_path="data.sites")})
    token = connect(client).json()["pending_token"]
    later = time.time() + 31 * 60
    monkeypatch.setattr(crypto, "time", SimpleNamespace(time=lambda: later))
    r = client.post(PENDING, data={"pending_token": token, "candidate_index": "0"})
    assert (r.status_code, r.json()) == error(410, "invalid or expired pending connection")
    assert 'pending_connection_state=""' in r.headers["set-cookie"] or "Max-Age=0" in r.headers["set-cookie"]


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        ([], "connection setup failed"),
        ({"no": "list"}, "connection setup failed"),
        ([{"name": "no id"}], "connection setup failed"),
        ([{"id": "bad value!"}], 'discovery returned invalid key or value for "cloud_id"'),
    ],
)
def test_discovery_failures_store_nothing(
    gateway: GatewayFactory, upstream: Upstream, reply: Any, message: str
) -> None:
    upstream.reply("/resources", body=reply)
    client = gateway({"svc": discovery_provider(upstream.url)})
    r = connect(client)
    assert (r.status_code, r.json()) == error(502, message)
    assert client.get("/api/v1/svc/ping").status_code == 412


def test_discovery_upstream_error_is_502(gateway: GatewayFactory, upstream: Upstream) -> None:
    upstream.reply("/resources", status=401, body={"error": "bad token"})
    client = gateway({"svc": discovery_provider(upstream.url)})
    assert (connect(client).status_code, connect(client).json()) == error(502, "connection setup failed")


def test_another_users_token(gateway: GatewayFactory, idp: OpenIDProvider, upstream: Upstream) -> None:
    upstream.reply("/resources", body=SITES)
    client = gateway({"svc": discovery_provider(upstream.url, items_path="data.sites")}, oidc_auth(idp))
    users = {}
    for name in ("alice", "bob"):
        assert oidc_login(client, idp, f"{name}@example.com").status_code == 200
        users[name] = bearer(client.cookies["session_token"])
        client.cookies.clear()
    token = connect(client, **users["alice"]).json()["pending_token"]
    choice = {"pending_token": token, "candidate_index": "1"}
    r = client.post(PENDING, data=choice, headers=users["bob"])
    assert (r.status_code, r.json()) == error(404, "pending connection not found")
    r = client.post(PENDING, data=choice)
    assert (r.status_code, r.json()) == error(401, "pending connection authorization required")
    r = client.post(PENDING, data=choice, headers=bearer("gst_api_" + "0" * 64))
    assert (r.status_code, r.json()) == error(401, "invalid token")
    r = client.post(PENDING, json=choice, headers=users["alice"])
    assert (r.status_code, r.json()) == (200, {"status": "connected", "integration": "svc"})
    assert client.get("/api/v1/svc/ping", headers=users["bob"]).status_code == 412


def test_no_credential_in_the_token_or_logs(
    gateway: GatewayFactory, upstream: Upstream, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "PLAINTEXT-user-secret-42"
    upstream.reply("/resources", body=SITES)
    caplog.set_level(logging.DEBUG)
    client = gateway({"svc": discovery_provider(upstream.url, items_path="data.sites")})
    r = connect(client, secret)
    assert secret not in r.text
    token = r.json()["pending_token"]
    body = token.rsplit(".", 1)[-1]  # after the envelope header
    raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    assert secret.encode() not in raw and b"user-secret" not in raw
    client.post(PENDING, data={"pending_token": token, "candidate_index": "0"})
    upstream.reply("/resources", status=500, body={"echo": secret})
    assert connect(client, secret).status_code == 502
    logged = [f"{rec.getMessage()} {rec.__dict__}" for rec in caplog.records]
    assert logged and not any(secret in line for line in logged)
