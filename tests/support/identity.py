"""Logging in through the real routes: the local provider, or the full OIDC round trip."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
from litestar.testing import TestClient

from tests.support.oidc_provider import CLIENT_ID, CLIENT_SECRET, OpenIDProvider

BASE_URL = "http://testserver.local"


def local_auth(email: str = "me@example.com", **extra: Any) -> dict[str, Any]:
    return {"auth": {"provider": "local", "config": {"email": email, **extra}}}


def oidc_auth(idp: OpenIDProvider, base_url: str = BASE_URL, **extra: Any) -> dict[str, Any]:
    config = {
        "issuer_url": idp.url,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "display_name": "Test SSO",
        **extra,
    }
    return {
        "server": {"encryption_key": "22" * 32, "base_url": base_url},
        "auth": {"provider": "oidc", "config": config},
    }


def idp_redirect(login_url: str) -> tuple[str, dict[str, str]]:
    """Follow the login URL at the IdP: (callback path, its query) from the 302 Location."""
    reply = httpx.get(login_url, follow_redirects=False)
    assert reply.status_code == 302, reply.text
    location = urlsplit(reply.headers["location"])
    return location.path, dict(parse_qsl(location.query))


def oidc_login(client: TestClient[Any], idp: OpenIDProvider, email: str, **query: str) -> httpx.Response:
    """Run the whole browser flow for ``email``; returns the login callback's response."""
    idp.login_as(email)
    browser_origin(client)
    started = client.post("/api/v1/auth/login", json={"state": "client-state"})
    assert started.status_code == 200, started.text
    path, params = idp_redirect(started.json()["url"])
    return client.get(path, params={**params, **query})


def local_login(client: httpx.Client, **body: Any) -> httpx.Response:
    """Log in as the local user. From then on the client is a signed-in browser on the server's own
    page: it sends ``Origin``, as browsers do on every POST and DELETE (the perimeter refuses a
    cookie-carrying write that does not say where it comes from)."""
    browser_origin(client)
    return client.post("/api/v1/auth/login", json={"state": "s", **body})


def browser_origin(client: httpx.Client) -> None:
    """Send the client's own origin from now on, as a page of that server would."""
    client.headers["Origin"] = str(client.base_url).rstrip("/")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
