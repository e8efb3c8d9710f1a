"""Local provider login and logout, session cookies, the middleware's 401s and expiry."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from argon2 import PasswordHasher

from engine.store.records import utc_now
from tests.conftest import GatewayFactory
from tests.support.identity import bearer, local_auth, local_login


def _set_cookie(response_headers: httpx.Headers, name: str) -> str:
    cookies = [c for c in response_headers.get_list("set-cookie") if c.startswith(f"{name}=")]
    assert len(cookies) == 1, cookies
    return cookies[0]


def test_local_login_issues_a_session_cookie(gateway: GatewayFactory) -> None:
    client = gateway({}, local_auth("me@example.com", display_name="Me"))
    assert client.get("/api/v1/auth/info").json() == {"provider": "local", "display_name": "Local"}
    r = local_login(client)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body.pop("url").startswith("/auth/callback?code=")
    assert body == {"display_name": "Me", "email": "me@example.com"}
    cookie = _set_cookie(r.headers, "session_token")
    attributes = {part.strip().split("=")[0] for part in cookie.split(";")[1:]}
    assert attributes == {"HttpOnly", "Max-Age", "Path", "SameSite"}
    assert "Path=/" in cookie and "SameSite=lax" in cookie and "Max-Age=86400" in cookie
    assert cookie.removeprefix("session_token=").startswith("gst_ses_")
    assert client.get("/api/v1/integrations").status_code == 200


def _callback_page(url: str) -> dict[str, str]:
    """The query of the client's ``/auth/callback`` page that the login URL points at."""
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("", "", "/auth/callback")
    return dict(parse_qsl(parts.query))


def test_local_login_url_carries_a_one_time_code_the_callback_exchanges(gateway: GatewayFactory) -> None:
    """The reference's SPA flow: the page at the returned URL checks ``state`` and calls the login
    callback with the code, which answers the identity and sets the session cookie."""
    client = gateway({}, local_auth("me@example.com", display_name="Me"))
    query = _callback_page(local_login(client, state="spa-1").json()["url"])
    assert query["state"] == "spa-1" and len(query["code"]) >= 32
    client.cookies.delete("session_token")  # only the login_state cookie is left, as in a fresh browser
    r = client.get("/api/v1/auth/login/callback", params=query)
    assert (r.status_code, r.json()) == (200, {"display_name": "Me", "email": "me@example.com"})
    assert _set_cookie(r.headers, "session_token").removeprefix("session_token=").startswith("gst_ses_")
    assert client.get("/api/v1/integrations").status_code == 200
    replay = client.get("/api/v1/auth/login/callback", params=query)
    assert (replay.status_code, replay.json()) == (401, {"error": "login failed"})


def test_local_login_code_is_bound_to_its_state_and_browser(gateway: GatewayFactory) -> None:
    client = gateway({}, local_auth())
    query = _callback_page(local_login(client, state="s1").json()["url"])
    r = client.get("/api/v1/auth/login/callback", params={**query, "state": "other"})
    assert (r.status_code, r.json()) == (401, {"error": "login failed"})
    query = _callback_page(local_login(client, state="s2").json()["url"])
    client.cookies.clear()  # not the browser that logged in
    r = client.get("/api/v1/auth/login/callback", params=query)
    assert (r.status_code, r.json()) == (403, {"error": "login state validation failed"})
    r = client.get("/api/v1/auth/login/callback", params={"code": "made-up", "state": "s2"})
    assert (r.status_code, r.json()) == (401, {"error": "login failed"})


def test_local_login_code_gives_the_cli_its_token(gateway: GatewayFactory) -> None:
    client = gateway({}, local_auth(password="pw"))
    query = _callback_page(local_login(client, state="s", callback_port=4567, password="pw").json()["url"])
    assert query["state"] == "cli:4567:s"  # the page forwards cli: states to the CLI's loopback
    client.cookies.delete("session_token")
    r = client.get("/api/v1/auth/login/callback", params={**query, "state": "s", "cli": "1"})
    assert r.status_code == 200 and r.json()["name"] == "cli-token"
    assert "session_token" not in client.cookies


def test_cookie_is_secure_behind_https(gateway: GatewayFactory) -> None:
    extra = {**local_auth(), "server": {"encryption_key": "11" * 32, "base_url": "https://gw.example.com"}}
    client = gateway({}, extra)
    assert "; Secure" in _set_cookie(local_login(client).headers, "session_token")


def test_logout_revokes_the_session(gateway: GatewayFactory) -> None:
    client = gateway({}, local_auth())
    token = local_login(client).cookies["session_token"]
    client.cookies.clear()
    assert client.get("/api/v1/tokens", headers=bearer(token)).status_code == 200
    r = client.post("/api/v1/auth/logout", headers=bearer(token))
    assert (r.status_code, r.json()) == (200, {"status": "ok"})
    assert "Max-Age=0" in _set_cookie(r.headers, "session_token")
    after = client.get("/api/v1/tokens", headers=bearer(token))
    assert (after.status_code, after.json()) == (401, {"error": "invalid token"})


def test_logout_by_cookie(gateway: GatewayFactory) -> None:
    client = gateway({}, local_auth())
    token = local_login(client).cookies["session_token"]
    assert client.post("/api/v1/auth/logout").status_code == 200
    client.cookies.set("session_token", token)  # a browser that ignores the deletion
    assert client.get("/api/v1/integrations").status_code == 401


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({}, "missing authorization"),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, "invalid authorization header format"),
        ({"Authorization": "Bearer"}, "invalid authorization header format"),
        ({"Authorization": "Bearer gst_api_" + "0" * 64}, "invalid token"),
        ({"Authorization": "Bearer gst_ses_" + "0" * 64}, "invalid token"),
        ({"Authorization": "Bearer some-idp-access-token"}, "invalid token"),
    ],
)
def test_middleware_401s(gateway: GatewayFactory, headers: dict[str, str], message: str) -> None:
    client = gateway({}, local_auth())
    r = client.get("/api/v1/integrations", headers=headers)
    assert (r.status_code, r.json()) == (401, {"error": message})


def test_an_invalid_cookie_falls_through_to_the_header(gateway: GatewayFactory) -> None:
    client = gateway({}, local_auth())
    token = local_login(client).cookies["session_token"]
    client.cookies.set("session_token", "gst_ses_" + "f" * 64)
    assert client.get("/api/v1/integrations", headers=bearer(token)).status_code == 200


def test_expired_session_and_token_are_refused(gateway: GatewayFactory) -> None:
    extra = {**local_auth(session_ttl="1s"), "server": {"encryption_key": "11" * 32, "api_token_ttl": "1s"}}
    client = gateway({}, extra)
    session = local_login(client).cookies["session_token"]
    api_token = client.post("/api/v1/tokens", json={"name": "short"}).json()["token"]
    # Two seconds on, as a second process on the same database sees it (this one remembers a
    # lookup for at most a second, never past the token's expiry: tests/auth/test_resolver.py).
    later = gateway({}, extra)
    store = gateway.runtimes[-1].store
    assert store is not None
    store.clock = lambda: utc_now() + timedelta(seconds=2)
    for token in (session, api_token):
        r = later.get("/api/v1/integrations", headers=bearer(token))
        assert (r.status_code, r.json()) == (401, {"error": "invalid token"})



def test_local_password_argon2(gateway: GatewayFactory) -> None:
    client = gateway({}, local_auth(password=PasswordHasher().hash("correct horse")))
    for body in ({}, {"password": "wrong"}):
        r = local_login(client, **body)
        assert (r.status_code, r.json()) == (401, {"error": "login failed"})
    assert local_login(client, password="correct horse").status_code == 200


def test_local_password_from_a_secret(gateway: GatewayFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOCAL_PASSWORD", "s3cret")
    client = gateway({}, local_auth(password="secret://LOCAL_PASSWORD"))
    assert local_login(client, password="nope").status_code == 401
    assert local_login(client, password="s3cret").status_code == 200


def test_login_needs_a_json_body(gateway: GatewayFactory) -> None:
    client = gateway({}, local_auth())
    r = client.post("/api/v1/auth/login", content=b"")
    assert (r.status_code, r.json()) == (400, {"error": "invalid JSON body"})


def test_none_provider(gateway: GatewayFactory) -> None:
    client = gateway({})
    assert client.get("/api/v1/auth/info").json() == {"provider": "none", "display_name": "none"}
    r = client.post("/api/v1/auth/login", json={"state": "x"})
    assert (r.status_code, r.json()) == (500, {"error": "failed to generate login URL"})
    assert client.post("/api/v1/auth/logout").json() == {"status": "ok"}
    assert client.get("/api/v1/integrations", headers={"Authorization": "garbage"}).status_code == 200
