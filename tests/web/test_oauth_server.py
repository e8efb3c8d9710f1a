"""gestaltd as the OAuth 2.1 authorization server of its own ``/mcp`` and API, through its real
routes: the 401 challenge, metadata, registration, the authorization endpoint's checks, consent,
the token endpoint (codes with PKCE, rotating refresh tokens, resources) and revocation."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from litestar.testing import TestClient
from syrupy.assertion import SnapshotAssertion

from engine.bootstrap import build_gateway, build_runtime, load_config
from engine.egress.client import GatewayClient, Http1Transport
from engine.egress.limits import Limits
from tests.conftest import GatewayFactory
from tests.support.app_client import BASE_URL, app_client
from tests.support.configs import write_config
from tests.support.http_server import QuietHandler
from tests.support.identity import bearer, local_auth, oidc_auth
from tests.support.oauth_browser import OAuthBrowser, deny, forms, only
from tests.support.oidc_provider import OpenIDProvider
from tests.support.tls import start_https_server, trusting_context
from tests.support.upstream import Upstream

BASE = BASE_URL
REDIRECT = "http://127.0.0.1:9911/callback"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def providers(url: str) -> dict[str, Any]:
    ping = {"name": "ping", "method": "GET", "path": "/ping"}
    pong = {"name": "pong", "method": "GET", "path": "/pong"}
    return {
        "echo": {"display_name": "Echo API", "plugin": {"base_url": url, "operations": [ping, pong]}},
        "other": {"plugin": {"base_url": url, "operations": [ping]}},
    }


@pytest.fixture
def client(gateway: GatewayFactory, upstream: Upstream) -> TestClient[Any]:
    return gateway(providers(upstream.url), local_auth())


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def register(client: TestClient[Any], **metadata: Any) -> dict[str, Any]:
    body = {"client_name": "Test host", "redirect_uris": [REDIRECT], "token_endpoint_auth_method": "none"}
    reply = client.post("/oauth/register", json={**body, **metadata}, headers={"Cookie": ""})
    assert reply.status_code == 201, reply.text
    registered: dict[str, Any] = reply.json()
    return registered


def authorize_url(client_id: str, challenge: str, **extra: str) -> str:
    query = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": REDIRECT,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "state": "st-1",
        "resource": f"{BASE}/mcp",
        **extra,
    }
    return "/oauth/authorize?" + urlencode({k: v for k, v in query.items() if v != ""})


def code_for(
    client: TestClient[Any], client_id: str, challenge: str, decide: Any = None, **extra: str
) -> dict[str, str]:
    visit = OAuthBrowser(client=client).authorize(BASE + authorize_url(client_id, challenge, **extra), decide)
    assert visit.final.startswith(REDIRECT), [p.status_code for p in visit.pages]
    return visit.query


class Bare:
    """The same server called without the browser's cookies: what an MCP host holding a token is
    (an explicit ``Cookie`` header keeps the client's jar out)."""

    def __init__(self, client: TestClient[Any]) -> None:
        self.client = client

    def get(self, path: str, headers: dict[str, str]) -> Any:
        return self.client.get(path, headers={**headers, "Cookie": ""})


def bare(client: TestClient[Any]) -> Bare:
    return Bare(client)


def exchange(client: TestClient[Any], **form: str) -> Any:
    """The host's token request: no browser, so none of the browser's cookies."""
    return client.post("/oauth/token", content=urlencode(form), headers={**FORM, "Cookie": ""})


def tokens(client: TestClient[Any], scopes: tuple[str, ...] = ()) -> dict[str, Any]:
    registered = register(client)
    verifier, challenge = pkce()
    decide = only(*scopes) if scopes else None
    query = code_for(client, registered["client_id"], challenge, decide)
    reply = exchange(
        client, grant_type="authorization_code", code=query["code"], redirect_uri=REDIRECT,
        client_id=registered["client_id"], code_verifier=verifier, resource=f"{BASE}/mcp",
    )  # fmt: skip
    assert reply.status_code == 200, reply.text
    return {**reply.json(), "client_id": registered["client_id"]}


# ---- discovery ----


def test_a_request_without_a_token_is_challenged(client: TestClient[Any]) -> None:
    api = client.get("/api/v1/integrations")
    assert api.status_code == 401
    assert (
        api.headers["www-authenticate"]
        == f'Bearer resource_metadata="{BASE}/.well-known/oauth-protected-resource"'
    )
    invoke = client.get("/api/v1/echo/ping")
    assert invoke.status_code == 401 and "resource_metadata" in invoke.headers["www-authenticate"]
    mcp = client.post("/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "ping"})
    assert mcp.status_code == 401
    metadata = f"{BASE}/.well-known/oauth-protected-resource/mcp"
    assert mcp.headers["www-authenticate"] == f'Bearer resource_metadata="{metadata}"'
    bad = client.post(
        "/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "ping"}, headers=bearer("gst_api_nope")
    )
    assert bad.headers["www-authenticate"] == f'Bearer resource_metadata="{metadata}", error="invalid_token"'


def test_metadata_documents(client: TestClient[Any], snapshot: SnapshotAssertion) -> None:
    documents = {
        path: client.get(path).json()
        for path in (
            "/.well-known/oauth-protected-resource",
            "/.well-known/oauth-protected-resource/mcp",
            "/.well-known/oauth-authorization-server",
        )
    }
    assert documents == snapshot


def test_base_url_names_the_issuer(gateway: GatewayFactory, upstream: Upstream) -> None:
    extra = {**local_auth(), "server": {"encryption_key": "11" * 32, "base_url": "https://gw.example.com/"}}
    client = gateway(providers(upstream.url), extra)
    assert client.get("/.well-known/oauth-authorization-server").json()["issuer"] == "https://gw.example.com"
    challenge = client.get("/api/v1/integrations").headers["www-authenticate"]
    assert 'resource_metadata="https://gw.example.com/.well-known/oauth-protected-resource"' in challenge


# ---- registration ----


def test_registration_answers_the_registered_metadata(client: TestClient[Any]) -> None:
    public = register(client, client_uri="https://host.example")
    assert public["client_id"].startswith("gst_client_") and "client_secret" not in public
    assert public["redirect_uris"] == [REDIRECT] and public["client_uri"] == "https://host.example"
    confidential = register(client, token_endpoint_auth_method="client_secret_basic")
    assert confidential["client_secret"] and confidential["client_secret_expires_at"] == 0


@pytest.mark.parametrize(
    ("metadata", "error", "message"),
    [
        ({"redirect_uris": []}, "invalid_redirect_uri", "redirect_uris must be a list of 1 to 10 URIs"),
        ({"redirect_uris": ["http://evil.example/cb"]}, "invalid_redirect_uri", "loopback host"),
        ({"redirect_uris": ["javascript:alert(1)"]}, "invalid_redirect_uri", "private-use scheme"),
        ({"redirect_uris": ["https://a.example/cb#x"]}, "invalid_redirect_uri", "fragment"),
        ({"token_endpoint_auth_method": "private_key_jwt"}, "invalid_client_metadata", "must be one of"),
        ({"grant_types": ["implicit"]}, "invalid_client_metadata", "grant_types"),
        ({"response_types": ["token"]}, "invalid_client_metadata", "response_types"),
    ],
)
def test_registration_refuses_bad_metadata(
    client: TestClient[Any], metadata: dict[str, Any], error: str, message: str
) -> None:
    body = {"redirect_uris": [REDIRECT], **metadata}
    reply = client.post("/oauth/register", json=body)
    assert reply.status_code == 400
    assert reply.json()["error"] == error and message in reply.json()["error_description"]
    assert client.post("/oauth/register", content=b"[]").json()["error"] == "invalid_client_metadata"


# ---- the authorization endpoint ----


def test_an_unknown_client_or_redirect_is_shown_never_redirected(client: TestClient[Any]) -> None:
    _, challenge = pkce()
    unknown = client.get(authorize_url("gst_client_nope", challenge), follow_redirects=False)
    assert unknown.status_code == 400 and "unknown client_id" in unknown.text
    assert "default-src 'none'" in unknown.headers["content-security-policy"]
    registered = register(client)
    elsewhere = authorize_url(registered["client_id"], challenge).replace("127.0.0.1%3A9911", "evil.example")
    shown = client.get(elsewhere, follow_redirects=False)
    assert shown.status_code == 400 and "not one the client registered" in shown.text


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge": ""}, "invalid_request"),
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"scope": "echo nowhere"}, "invalid_scope"),
        ({"resource": "https://other.example/mcp"}, "invalid_target"),
    ],
)
def test_a_bad_request_goes_back_to_the_client(
    client: TestClient[Any], change: dict[str, str], error: str
) -> None:
    registered = register(client)
    _, challenge = pkce()
    reply = client.get(authorize_url(registered["client_id"], challenge, **change), follow_redirects=False)
    assert reply.status_code == 303
    back = urlsplit(reply.headers["location"])
    query = dict(parse_qsl(back.query))
    assert f"{back.scheme}://{back.netloc}{back.path}" == REDIRECT
    assert (query["error"], query["state"], query["iss"]) == (error, "st-1", BASE)


def test_a_loopback_redirect_matches_on_any_port(client: TestClient[Any]) -> None:
    registered = register(client)
    _, challenge = pkce()
    url = authorize_url(registered["client_id"], challenge, response_type="token").replace("9911", "40123")
    reply = client.get(url, follow_redirects=False)  # past the redirect check: the error goes back
    assert reply.status_code == 303
    assert reply.headers["location"].startswith(
        "http://127.0.0.1:40123/callback?error=unsupported_response_type"
    )
    twice = client.get(url + "&state=again", follow_redirects=False)
    assert twice.status_code == 400 and "more than once" in twice.text


def test_consent_names_the_client_and_what_it_asks_for(client: TestClient[Any]) -> None:
    registered = register(client, client_name="Claude <b>Code</b>")
    _, challenge = pkce()
    browser = OAuthBrowser(client=client)
    sign_in = client.get(authorize_url(registered["client_id"], challenge, scope="echo:ping other"))
    assert sign_in.status_code == 200 and "Sign in" in sign_in.text
    (form,) = forms(sign_in.text)
    signed = client.post(form.action, content=urlencode(form.fields), headers=FORM, follow_redirects=False)
    assert signed.status_code == 303
    consent = browser.client.get(authorize_url(registered["client_id"], challenge, scope="echo:ping other"))
    assert "Claude &lt;b&gt;Code&lt;/b&gt;" in consent.text  # escaped, never markup
    assert "Echo API: only ping" in consent.text and "127.0.0.1" in consent.text
    policy = consent.headers["content-security-policy"]
    assert "script-src" not in policy and "form-action 'self' http://127.0.0.1:9911" in policy
    assert consent.headers["x-frame-options"] == "DENY" and consent.headers["cache-control"] == "no-store"


def test_deny_sends_access_denied(client: TestClient[Any]) -> None:
    registered = register(client)
    _, challenge = pkce()
    query = code_for(client, registered["client_id"], challenge, deny)
    assert query["error"] == "access_denied" and "code" not in query


def test_a_forged_or_replayed_consent_is_refused(client: TestClient[Any]) -> None:
    registered = register(client)
    _, challenge = pkce()
    visit = OAuthBrowser(client=client).authorize(
        BASE + authorize_url(registered["client_id"], challenge), deny
    )
    consent = next(p for p in visit.pages if "decision" in p.text)
    (form,) = forms(consent.text)
    fields = dict(form.fields)
    page = {**FORM, "Origin": BASE}

    def post(fields: dict[str, str], headers: dict[str, str]) -> Any:
        body = urlencode({**fields, "decision": "allow"})
        return client.post("/oauth/authorize", content=body, headers=headers, follow_redirects=False)

    forged = post({**fields, "csrf": "x"}, page)  # our origin, but not our page's token
    assert forged.status_code == 403 and "reload" in forged.text
    cross_site = post(fields, {**FORM, "Origin": "https://evil.example"})
    assert cross_site.status_code == 403 and "reload" not in cross_site.text  # the perimeter's refusal
    unsigned = post(fields, {**page, "Cookie": ""})  # the fields without the session they belong to
    assert unsigned.status_code == 401 and "no longer signed in" in unsigned.text


# ---- the token endpoint ----


def test_a_code_becomes_a_scoped_api_token_once(client: TestClient[Any], upstream: Upstream) -> None:
    issued = tokens(client, ("echo",))
    assert issued["token_type"] == "Bearer" and issued["expires_in"] == 3600 and issued["scope"] == "echo"
    access = issued["access_token"]
    assert bare(client).get("/api/v1/echo/ping", headers=bearer(access)).status_code == 200
    assert bare(client).get("/api/v1/other/ping", headers=bearer(access)).status_code == 403
    listed = client.get("/api/v1/tokens").json()
    (grant,) = [t for t in listed if "oauth_client" in t]
    assert grant["name"] == "Test host" and grant["scopes"] == "echo"
    assert (
        grant["oauth_client"]["id"] == issued["client_id"]
        and grant["oauth_client"]["resource"] == f"{BASE}/mcp"
    )


def test_an_operation_scope_allows_that_operation_only(client: TestClient[Any]) -> None:
    registered = register(client)
    verifier, challenge = pkce()
    query = code_for(client, registered["client_id"], challenge, scope="echo:ping")
    form = {"grant_type": "authorization_code", "code": query["code"], "redirect_uri": REDIRECT,
            "client_id": registered["client_id"], "code_verifier": verifier}  # fmt: skip
    access = exchange(client, **form).json()["access_token"]
    assert bare(client).get("/api/v1/echo/ping", headers=bearer(access)).status_code == 200
    denied = bare(client).get("/api/v1/echo/pong", headers=bearer(access))
    assert (denied.status_code, denied.json()) == (403, {"error": "token scope denied: echo:pong"})
    ops = bare(client).get("/api/v1/integrations/echo/operations", headers=bearer(access)).json()
    assert [o["id"] for o in ops] == ["ping"]


def test_a_code_needs_its_verifier_client_and_redirect(client: TestClient[Any]) -> None:
    registered = register(client)
    verifier, challenge = pkce()
    query = code_for(client, registered["client_id"], challenge)
    base = {"grant_type": "authorization_code", "code": query["code"], "redirect_uri": REDIRECT,
            "client_id": registered["client_id"]}  # fmt: skip
    wrong = exchange(client, **base, code_verifier=pkce()[0])
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    again = exchange(client, **base, code_verifier=verifier)  # the failed try used the code up
    assert again.json()["error"] == "invalid_grant"
    other = register(client)
    query = code_for(client, registered["client_id"], challenge)
    stolen = exchange(
        client, **{**base, "code": query["code"], "client_id": other["client_id"]}, code_verifier=verifier
    )
    assert stolen.json()["error"] == "invalid_grant"
    bad_target = exchange(client, **base, code_verifier=verifier, resource="https://other.example")
    assert bad_target.json()["error"] == "invalid_target"
    assert exchange(client, grant_type="password").json()["error"] in (
        "invalid_client",
        "unsupported_grant_type",
    )


def test_refresh_rotates_and_a_replay_revokes_the_grant(client: TestClient[Any]) -> None:
    issued = tokens(client)
    first = exchange(
        client,
        grant_type="refresh_token",
        refresh_token=issued["refresh_token"],
        client_id=issued["client_id"],
    )
    assert first.status_code == 200, first.text
    rotated = first.json()
    assert (
        rotated["refresh_token"] != issued["refresh_token"]
        and rotated["access_token"] != issued["access_token"]
    )
    assert bare(client).get("/api/v1/echo/ping", headers=bearer(issued["access_token"])).status_code == 401
    assert bare(client).get("/api/v1/echo/ping", headers=bearer(rotated["access_token"])).status_code == 200
    replay = exchange(
        client,
        grant_type="refresh_token",
        refresh_token=issued["refresh_token"],
        client_id=issued["client_id"],
    )
    assert replay.json()["error"] == "invalid_grant"
    assert bare(client).get("/api/v1/echo/ping", headers=bearer(rotated["access_token"])).status_code == 401
    assert not [t for t in client.get("/api/v1/tokens").json() if "oauth_client" in t]


def test_a_confidential_client_authenticates(client: TestClient[Any]) -> None:
    registered = register(client, token_endpoint_auth_method="client_secret_basic")
    verifier, challenge = pkce()
    query = code_for(client, registered["client_id"], challenge)
    form = {
        "grant_type": "authorization_code",
        "code": query["code"],
        "redirect_uri": REDIRECT,
        "code_verifier": verifier,
    }
    anonymous = exchange(client, **form, client_id=registered["client_id"])
    assert (anonymous.status_code, anonymous.json()["error"]) == (401, "invalid_client")
    pair = base64.b64encode(f"{registered['client_id']}:{registered['client_secret']}".encode()).decode()
    query = code_for(client, registered["client_id"], challenge)
    basic = client.post(
        "/oauth/token", content=urlencode({**form, "code": query["code"]}),
        headers={**FORM, "Authorization": f"Basic {pair}", "Cookie": ""},
    )  # fmt: skip
    assert basic.status_code == 200 and basic.headers["cache-control"] == "no-store"


def test_revocation_ends_the_grant(client: TestClient[Any]) -> None:
    issued = tokens(client)
    revoked = client.post(
        "/oauth/revoke",
        content=urlencode({"token": issued["refresh_token"], "client_id": issued["client_id"]}),
        headers={**FORM, "Cookie": ""},
    )
    assert revoked.status_code == 200
    assert bare(client).get("/api/v1/echo/ping", headers=bearer(issued["access_token"])).status_code == 401
    unknown = client.post(
        "/oauth/revoke",
        content=urlencode({"token": "whatever", "client_id": issued["client_id"]}),
        headers={**FORM, "Cookie": ""},
    )
    assert unknown.status_code == 200  # RFC 7009 §2.2: answered alike


# ---- Client ID Metadata Documents ----


@pytest.fixture
def document_host(tmp_path: Path) -> Iterator[tuple[str, Callable[[dict[str, Any]], None]]]:
    """An HTTPS site publishing one client metadata document at ``/client.json``."""
    published: dict[str, bytes] = {}

    class Handler(QuietHandler):
        def do_GET(self) -> None:
            body = published.get(self.path, b"")
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    url, stop = start_https_server(Handler)
    yield url + "/client.json", lambda doc: published.update({"/client.json": json.dumps(doc).encode()})
    stop()


def test_a_client_named_by_its_metadata_document(
    tmp_path: Path, upstream: Upstream, document_host: tuple[str, Callable[[dict[str, Any]], None]]
) -> None:
    client_id, publish = document_host
    publish({"client_id": client_id, "client_name": "Doc Host", "redirect_uris": [REDIRECT]})
    config = write_config(tmp_path, providers(upstream.url), local_auth())
    egress = GatewayClient(Http1Transport(Limits(timeout=5.0), ssl_context=trusting_context()))
    with app_client(build_gateway(build_runtime(load_config(config), egress))) as client:
        verifier, challenge = pkce()
        visit = OAuthBrowser(client=client).authorize(BASE + authorize_url(client_id, challenge))
        consent = next(p for p in visit.pages if "decision" in p.text)
        assert "Doc Host" in consent.text and "published at localhost" in consent.text
        reply = exchange(
            client, grant_type="authorization_code", code=visit.query["code"], redirect_uri=REDIRECT,
            client_id=client_id, code_verifier=verifier,
        )  # fmt: skip
        assert reply.status_code == 200, reply.text
        listed = client.get("/api/v1/tokens").json()
        assert [t["oauth_client"]["id"] for t in listed if "oauth_client" in t] == [client_id]
        publish(
            {"client_id": "https://elsewhere.example/c.json", "client_name": "X", "redirect_uris": [REDIRECT]}
        )
        _, challenge = pkce()
        shown = client.get(authorize_url(client_id, challenge), follow_redirects=False)
        assert shown.status_code == 200  # cached for 5 minutes: the document is not fetched again


def test_an_oidc_login_comes_back_to_the_authorization(
    gateway: GatewayFactory, upstream: Upstream, idp: OpenIDProvider
) -> None:
    client = gateway(providers(upstream.url), oidc_auth(idp, BASE))
    idp.login_as("sso@example.com", name="SSO User")
    registered = register(client)
    _, challenge = pkce()
    visit = OAuthBrowser(client=client).authorize(BASE + authorize_url(registered["client_id"], challenge))
    hops = [urlsplit(str(p.request.url)).path for p in visit.pages]
    assert hops == [
        "/oauth/authorize",
        "/authorize",
        "/api/v1/auth/login/callback",
        "/oauth/authorize",
        "/oauth/authorize",
    ]
    assert "Signed in as sso@example.com" in visit.pages[-2].text
    assert visit.query["code"].startswith("gst_code_")


def test_consent_can_choose_how_mcp_offers_tools(client: TestClient[Any]) -> None:
    registered = register(client)
    verifier, challenge = pkce()

    def search_mode(form: Any) -> list[tuple[str, str]]:
        return [*form.fields, ("mcp_tools", "search"), ("decision", "allow")]

    query = code_for(client, registered["client_id"], challenge, search_mode)
    reply = exchange(
        client, grant_type="authorization_code", code=query["code"], redirect_uri=REDIRECT,
        client_id=registered["client_id"], code_verifier=verifier,
    )  # fmt: skip
    assert reply.status_code == 200
    (grant,) = [t for t in client.get("/api/v1/tokens").json() if "oauth_client" in t]
    assert grant["mcp_tools"] == "search"
