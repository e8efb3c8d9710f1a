"""Local provider login and logout, session cookies, the middleware's 401s and expiry."""

from __future__ import annotations

import time

import pytest
from argon2 import PasswordHasher

from tests.conftest import GatewayFactory
from tests.support.identity import bearer, local_auth, local_login


def _set_cookie(response_headers: object, name: str) -> str:
    cookies = [c for c in response_headers.get_list("set-cookie") if c.startswith(f"{name}=")]  # type: ignore[attr-defined]
    assert len(cookies) == 1, cookies
    return cookies[0]


def test_local_login_issues_a_session_cookie(gateway: GatewayFactory) -> None:
    client = gateway({}, local_auth("me@example.com", display_name="Me"))
    assert client.get("/api/v1/auth/info").json() == {"provider": "local", "display_name": "Local"}
    r = local_login(client)
    assert r.status_code == 200, r.text
    assert r.json() == {"url": "/", "display_name": "Me", "email": "me@example.com"}
    cookie = _set_cookie(r.headers, "session_token")
    attributes = {part.strip().split("=")[0] for part in cookie.split(";")[1:]}
    assert attributes == {"HttpOnly", "Max-Age", "Path", "SameSite"}
    assert "Path=/" in cookie and "SameSite=lax" in cookie and "Max-Age=86400" in cookie
    assert cookie.removeprefix("session_token=").startswith("gst_ses_")
    assert client.get("/api/v1/integrations").status_code == 200


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
    client.cookies.clear()
    time.sleep(2.1)
    for token in (session, api_token):
        r = client.get("/api/v1/integrations", headers=bearer(token))
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
