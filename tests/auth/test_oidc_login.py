"""OIDC login end to end against a real OpenID provider on loopback."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from litestar.testing import TestClient

from tests.conftest import GatewayFactory
from tests.support.identity import BASE_URL, bearer, idp_redirect, oidc_auth, oidc_login
from tests.support.oidc_provider import OpenIDProvider


def test_auth_info_names_the_provider(gateway: GatewayFactory, idp: OpenIDProvider) -> None:
    client = gateway({}, oidc_auth(idp))
    assert client.get("/api/v1/auth/info").json() == {"provider": "oidc", "display_name": "Test SSO"}


def test_login_url_uses_pkce_s256_state_and_nonce(gateway: GatewayFactory, idp: OpenIDProvider) -> None:
    client = gateway({}, oidc_auth(idp))
    r = client.post("/api/v1/auth/login", json={"state": "abc"})
    assert r.status_code == 200
    url = urlsplit(r.json()["url"])
    query = dict(parse_qsl(url.query))
    assert f"{url.scheme}://{url.netloc}{url.path}" == idp.url + "/authorize"
    assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
    assert query["redirect_uri"] == "http://testserver.local/api/v1/auth/login/callback"
    assert query["scope"] == "openid email profile"
    assert query["nonce"] and query["state"] == "abc"  # the client's own state, checked by its page
    assert "login_state=" in r.headers["set-cookie"]


SPA_CALLBACK = BASE_URL + "/auth/callback"


def spa_login(client: TestClient[Any], idp: OpenIDProvider, email: str, state: str | None) -> httpx.Response:
    """What a single-page client does (the reference's web client): ``POST /auth/login {"state": S}``,
    the browser goes to ``url``, the IdP sends it to the client's own ``/auth/callback`` page, which
    checks ``state`` equals S and calls the login callback with the code and state."""
    idp.login_as(email)
    started = client.post("/api/v1/auth/login", json={} if state is None else {"state": state})
    assert started.status_code == 200, started.text
    at_idp = httpx.get(started.json()["url"], follow_redirects=False)
    page = urlsplit(at_idp.headers["location"])
    assert f"{page.scheme}://{page.netloc}{page.path}" == SPA_CALLBACK
    query = dict(parse_qsl(page.query))
    if state is not None:
        assert query["state"] == state  # the page's own CSRF check
    return client.get("/api/v1/auth/login/callback", params={"code": query["code"], "state": query["state"]})


@pytest.mark.parametrize("pkce", [True, False])
@pytest.mark.parametrize("state", ["spa-state-1", None], ids=["client-state", "no-state"])
def test_a_single_page_client_can_finish_the_login(
    gateway: GatewayFactory, idp: OpenIDProvider, pkce: bool, state: str | None
) -> None:
    client = gateway({}, oidc_auth(idp, redirect_url=SPA_CALLBACK, pkce=pkce))
    r = spa_login(client, idp, "alice@example.com", state)
    assert (r.status_code, r.json()) == (200, {"display_name": "alice", "email": "alice@example.com"})
    assert client.get("/api/v1/integrations").status_code == 200
    assert ("code_challenge" in idp.authorize_requests[-1]) is pkce
    assert bool(idp.token_requests[-1].get("code_verifier")) is pkce


def test_the_state_binding_is_shared_by_replicas_and_used_once(
    gateway: GatewayFactory, idp: OpenIDProvider
) -> None:
    """Nonce and verifier live in the datastore, keyed by the state: any replica finishes the login."""
    one = gateway({}, oidc_auth(idp))
    two = gateway({}, oidc_auth(idp))  # the same config and SQLite file: a second replica
    idp.login_as("alice@example.com")
    path, params = idp_redirect(one.post("/api/v1/auth/login", json={"state": "s1"}).json()["url"])
    two.cookies.update(one.cookies)
    assert two.get(path, params=params).status_code == 200
    replay = one.get(path, params=params)
    assert (replay.status_code, replay.json()) == (401, {"error": "login failed"})


def test_login_issues_a_session_that_authenticates(gateway: GatewayFactory, idp: OpenIDProvider) -> None:
    client = gateway({}, oidc_auth(idp))
    r = oidc_login(client, idp, "alice@example.com")
    assert r.status_code == 200, r.text
    assert r.json() == {"display_name": "alice", "email": "alice@example.com"}
    assert client.cookies["session_token"].startswith("gst_ses_")
    assert client.get("/api/v1/integrations").status_code == 200
    assert idp.token_requests[-1]["code_verifier"]  # the verifier travelled to the token endpoint


def test_each_user_sees_only_their_own_tokens(gateway: GatewayFactory, idp: OpenIDProvider) -> None:
    client = gateway({}, oidc_auth(idp))
    tokens: dict[str, dict[str, Any]] = {}
    for email in ("alice@example.com", "bob@example.com"):
        client.cookies.clear()
        assert oidc_login(client, idp, email).status_code == 200
        tokens[email] = client.post("/api/v1/tokens", json={"name": email}).json()
    client.cookies.clear()
    alice, bob = tokens["alice@example.com"], tokens["bob@example.com"]
    assert [t["name"] for t in client.get("/api/v1/tokens", headers=bearer(alice["token"])).json()] == [
        "alice@example.com"
    ]
    assert [t["name"] for t in client.get("/api/v1/tokens", headers=bearer(bob["token"])).json()] == [
        "bob@example.com"
    ]
    r = client.delete(f"/api/v1/tokens/{alice['id']}", headers=bearer(bob["token"]))
    assert (r.status_code, r.json()) == (404, {"error": "token not found"})


def test_cli_mode_returns_an_api_token_and_no_session(gateway: GatewayFactory, idp: OpenIDProvider) -> None:
    client = gateway({}, oidc_auth(idp))
    r = oidc_login(client, idp, "cli@example.com", cli="1")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["name"] == "cli-token" and body["token"].startswith("gst_api_")
    assert "session_token" not in client.cookies
    assert client.get("/api/v1/tokens", headers=bearer(body["token"])).status_code == 200


def test_state_cannot_be_replayed(gateway: GatewayFactory, idp: OpenIDProvider) -> None:
    client = gateway({}, oidc_auth(idp))
    idp.login_as("alice@example.com")
    path, params = idp_redirect(client.post("/api/v1/auth/login", json={"state": "s"}).json()["url"])
    assert client.get(path, params=params).status_code == 200
    replay = client.get(path, params=params)
    assert (replay.status_code, replay.json()) == (401, {"error": "login failed"})


def test_tampered_state_fails(gateway: GatewayFactory, idp: OpenIDProvider) -> None:
    client = gateway({}, oidc_auth(idp))
    idp.login_as("alice@example.com")
    path, params = idp_redirect(client.post("/api/v1/auth/login", json={"state": "s"}).json()["url"])
    r = client.get(path, params={**params, "state": params["state"][:-4] + "AAAA"})
    assert (r.status_code, r.json()) == (401, {"error": "login failed"})


def test_callback_from_another_browser_is_refused(gateway: GatewayFactory, idp: OpenIDProvider) -> None:
    client = gateway({}, oidc_auth(idp))
    idp.login_as("alice@example.com")
    path, params = idp_redirect(client.post("/api/v1/auth/login", json={"state": "s"}).json()["url"])
    client.cookies.clear()  # no login_state cookie: not the browser that started the login
    r = client.get(path, params=params)
    assert (r.status_code, r.json()) == (403, {"error": "login state validation failed"})


def test_missing_code(gateway: GatewayFactory, idp: OpenIDProvider) -> None:
    client = gateway({}, oidc_auth(idp))
    r = client.get("/api/v1/auth/login/callback")
    assert (r.status_code, r.json()) == (400, {"error": "missing code parameter"})


@pytest.mark.parametrize(
    "overrides",
    [
        {"aud": "someone-else"},
        {"iss": "https://evil.example.com"},
        {"exp": int(time.time()) - 3600},
        {"nonce": "not-the-nonce"},
        {"email_verified": False},
        {"email_verified": "false"},
    ],
    ids=["audience", "issuer", "expired", "nonce", "unverified", "unverified-string"],
)
def test_bad_id_tokens_fail_login(
    gateway: GatewayFactory, idp: OpenIDProvider, overrides: dict[str, Any]
) -> None:
    client = gateway({}, oidc_auth(idp))
    idp.claim_overrides = overrides
    r = oidc_login(client, idp, "alice@example.com")
    assert (r.status_code, r.json()) == (401, {"error": "login failed"})
    assert "session_token" not in client.cookies


def test_id_token_signed_by_another_key_fails(gateway: GatewayFactory, idp: OpenIDProvider) -> None:
    client = gateway({}, oidc_auth(idp))
    idp.forge_key = rsa.generate_private_key(65537, 2048)
    assert oidc_login(client, idp, "alice@example.com").status_code == 401


def test_allowed_domains(gateway: GatewayFactory, idp: OpenIDProvider) -> None:
    client = gateway({}, oidc_auth(idp, allowed_domains=["example.com"]))
    assert oidc_login(client, idp, "mallory@elsewhere.org").status_code == 401
    assert oidc_login(client, idp, "alice@Example.com").status_code == 200


def test_session_ttl_sets_the_cookie_lifetime(gateway: GatewayFactory, idp: OpenIDProvider) -> None:
    client = gateway({}, oidc_auth(idp, session_ttl="2h"))
    r = oidc_login(client, idp, "alice@example.com")
    session = [c for c in r.headers.get_list("set-cookie") if c.startswith("session_token=")]
    assert "Max-Age=7200" in session[0]


def test_google_preset(gateway: GatewayFactory) -> None:
    extra = {
        "server": {"encryption_key": "33" * 32, "base_url": "https://gw.example.com"},
        "auth": {"provider": "google", "config": {"client_id": "id", "client_secret": "secret"}},
    }
    client = gateway({}, extra)
    assert client.get("/api/v1/auth/info").json() == {"provider": "google", "display_name": "Google"}
