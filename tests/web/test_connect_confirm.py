"""An integration OAuth flow is bound to the browser that started it (issue 10, connect-flow
hijack): a callback in another browser stores nothing until the person there confirms, on a page
naming the account the credential would be stored under."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
from litestar.testing import TestClient

from tests.conftest import GatewayFactory
from tests.support.identity import bearer, browser_origin, oidc_auth, oidc_login
from tests.support.oauth_server import AuthServer, oauth2_auth
from tests.support.oidc_provider import OpenIDProvider
from tests.support.upstream import Upstream

CONFIRM = "/api/v1/auth/callback/confirm"


class Forms(HTMLParser):
    """The forms of a page: (action, {hidden and button fields})."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append((found.get("action", ""), {}))
        elif tag in ("input", "button") and "name" in found and self.forms:
            self.forms[-1][1][found["name"]] = found.get("value", "")


def forms_of(page: str) -> list[tuple[str, dict[str, str]]]:
    parser = Forms()
    parser.feed(page)
    return parser.forms


def provider(upstream: Upstream, server: AuthServer) -> dict[str, Any]:
    ops = [{"name": "ping", "method": "GET", "path": "/ping"}]
    return {"plugin": {"base_url": upstream.url, "auth": oauth2_auth(server), "operations": ops}}


def signed_in(client: TestClient[Any], idp: OpenIDProvider, *emails: str) -> dict[str, str]:
    """Session tokens of ``emails``, each logged in through the real OIDC flow; cookies cleared."""
    sessions = {}
    for email in emails:
        assert oidc_login(client, idp, email).status_code == 200
        sessions[email] = client.cookies["session_token"]
        client.cookies.clear()
    return sessions


def start(client: TestClient[Any], **headers: str) -> str:
    """Start a flow for ``svc``; its authorization URL."""
    started = client.post("/api/v1/auth/start-oauth", json={"integration": "svc"}, headers=headers)
    assert started.status_code == 200, started.text
    return str(started.json()["url"])


def authorize(url: str) -> tuple[str, dict[str, str]]:
    """What the user's approval at the authorization server sends the browser back to."""
    reply = httpx.get(url, follow_redirects=False)
    location = urlsplit(reply.headers["location"])
    return location.path, dict(parse_qsl(location.query))


def as_browser(client: TestClient[Any], session: str = "") -> None:
    """Make ``client`` a fresh browser on the server's page, signed in with ``session`` if given."""
    client.cookies.clear()
    if session:
        client.cookies.set("session_token", session)
    browser_origin(client)


def setup(gateway: GatewayFactory, upstream: Upstream, server: AuthServer, idp: OpenIDProvider) -> Any:
    client = gateway({"svc": provider(upstream, server)}, oidc_auth(idp))
    return client, signed_in(client, idp, "attacker@example.com", "victim@example.com")


def cli_flow_in_a_fresh_browser(client: TestClient[Any], session: str) -> tuple[httpx.Response, str]:
    """A CLI signed in with ``session`` (as a bearer token) starts a flow; the browser it opens is not
    signed in and approves it: (the callback's answer, the code it carried)."""
    client.cookies.clear()
    client.headers.pop("Origin", None)
    url = start(client, **bearer(session))
    assert "oauth_binding" not in client.cookies  # a script is bound by nothing but its user
    as_browser(client)
    path, query = authorize(url)
    return client.get(path, params=query, follow_redirects=False), query["code"]


def test_a_callback_in_another_browser_stores_nothing_and_names_the_account(
    gateway: GatewayFactory, upstream: Upstream, auth_server: AuthServer, idp: OpenIDProvider
) -> None:
    """The attack: the attacker starts a flow and sends the authorization link to the victim, who
    approves it. The victim's tokens must not land in the attacker's account unasked."""
    client, sessions = setup(gateway, upstream, auth_server, idp)
    as_browser(client, sessions["attacker@example.com"])
    url = start(client)
    as_browser(client, sessions["victim@example.com"])  # the victim's own, signed-in browser
    path, query = authorize(url)
    page = client.get(path, params=query, follow_redirects=False)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "attacker@example.com" in page.text and "svc" in page.text
    assert auth_server.token_requests == []  # not even exchanged: nothing obtained unasked
    for email in sessions:
        assert client.get("/api/v1/svc/ping", headers=bearer(sessions[email])).status_code == 412
    cancel = next(f for a, f in forms_of(page.text) if f.get("decision") == "cancel")
    r = client.post(CONFIRM, data=cancel)
    assert r.status_code == 200 and "Nothing was connected" in r.text
    assert client.get("/api/v1/svc/ping", headers=bearer(sessions["attacker@example.com"])).status_code == 412
    r = client.post(CONFIRM, data=cancel)
    assert (r.status_code, r.json()) == (400, {"error": "invalid or expired connection confirmation"})


def test_confirming_stores_under_the_named_account(
    gateway: GatewayFactory, upstream: Upstream, auth_server: AuthServer, idp: OpenIDProvider
) -> None:
    """A CLI (bearer token) starts the flow; the browser it opens is not signed in: the person
    there confirms the account, and the credential is stored for it."""
    client, sessions = setup(gateway, upstream, auth_server, idp)
    alice = bearer(sessions["attacker@example.com"])
    page, _ = cli_flow_in_a_fresh_browser(client, sessions["attacker@example.com"])
    assert page.status_code == 200 and "attacker@example.com" in page.text
    action, fields = next((a, f) for a, f in forms_of(page.text) if f.get("decision") == "connect")
    assert action == CONFIRM and set(fields) == {"confirmation", "decision"}
    done = client.post(action, data=fields, follow_redirects=False)
    assert done.status_code == 200 and "svc connected" in done.text
    assert client.get("/api/v1/svc/ping", headers=alice).status_code == 200
    assert upstream.last().headers["Authorization"] == f"Bearer {auth_server.issued[-1]}"
    r = client.post(action, data=fields)  # once only
    assert (r.status_code, r.json()) == (400, {"error": "invalid or expired connection confirmation"})


def test_the_confirmation_belongs_to_the_browser_it_was_shown_in(
    gateway: GatewayFactory, upstream: Upstream, auth_server: AuthServer, idp: OpenIDProvider
) -> None:
    client, sessions = setup(gateway, upstream, auth_server, idp)
    alice = bearer(sessions["attacker@example.com"])
    page, _ = cli_flow_in_a_fresh_browser(client, sessions["attacker@example.com"])
    fields = next(f for _, f in forms_of(page.text) if f.get("decision") == "connect")
    shown_in = dict(client.cookies)
    as_browser(client)  # another browser that learnt the form's values
    r = client.post(CONFIRM, data=fields)
    assert (r.status_code, r.json()) == (
        403, {"error": "connection confirmation must be sent from the browser that was shown it"}
    )  # fmt: skip
    client.cookies.set("oauth_confirm", "x" * 43)
    r = client.post(CONFIRM, data=fields)
    assert (r.status_code, r.json()) == (400, {"error": "invalid or expired connection confirmation"})
    r = client.post(CONFIRM, data={**fields, "decision": "maybe"})
    assert (r.status_code, r.json()) == (400, {"error": 'decision must be "connect" or "cancel"'})
    as_browser(client)
    client.cookies.update(shown_in)
    r = client.post(CONFIRM, data=fields, headers={"Origin": "https://evil.example"})
    assert r.status_code == 403  # the perimeter: a cross-site form cannot confirm for the user
    assert client.post(CONFIRM, data=fields).status_code == 200  # the right browser still can
    assert client.get("/api/v1/svc/ping", headers=alice).status_code == 200


def test_the_starting_browser_or_the_same_user_finishes_without_asking(
    gateway: GatewayFactory, upstream: Upstream, auth_server: AuthServer, idp: OpenIDProvider
) -> None:
    client, sessions = setup(gateway, upstream, auth_server, idp)
    alice = sessions["attacker@example.com"]
    as_browser(client, alice)
    url = start(client)
    assert "oauth_binding" in client.cookies
    client.cookies.delete("session_token")  # signed out meanwhile: the binding cookie still says who
    path, query = authorize(url)
    done = client.get(path, params=query, follow_redirects=False)
    assert (done.status_code, done.headers["location"]) == (303, "/integrations?connected=svc")
    assert 'oauth_binding=""' in done.headers["set-cookie"]  # used: cleared
    assert client.get("/api/v1/svc/ping", headers=bearer(alice)).status_code == 200
    # a CLI's flow (bearer token, no binding cookie) opened in a browser signed in as the same user
    client.cookies.clear()
    url = start(client, **bearer(alice))
    as_browser(client, alice)
    path, query = authorize(url)
    assert client.get(path, params=query, follow_redirects=False).status_code == 303


def test_the_confirmation_page_is_strict(
    gateway: GatewayFactory, upstream: Upstream, auth_server: AuthServer, idp: OpenIDProvider
) -> None:
    client, sessions = setup(gateway, upstream, auth_server, idp)
    page, code = cli_flow_in_a_fresh_browser(client, sessions["attacker@example.com"])
    csp = page.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert page.headers["cache-control"] == "no-store" and page.headers["x-frame-options"] == "DENY"
    assert not re.search(r"<script|<style|\sstyle=|\son\w+=", page.text)
    cookie = page.headers["set-cookie"]
    assert "oauth_confirm=" in cookie and "HttpOnly" in cookie and "samesite=strict" in cookie.lower()
    assert code not in page.text  # the code waits server-side, not in the page
