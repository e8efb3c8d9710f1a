"""A real OAuth 2.0 authorization server on 127.0.0.1 for integration connect tests.

``/authorize`` records the query and redirects back with a one-time code; ``/token`` checks the
client credentials (form body or HTTP Basic), the redirect URI and the PKCE verifier for codes,
and answers refresh grants, rotating the refresh token each time. ``refresh_calls`` counts them;
``refresh_delay`` keeps a refresh in flight long enough for concurrent callers to pile up.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

from tests.support.http_server import QuietHandler, start_server

CLIENT_ID = "integration-client"
CLIENT_SECRET = "integration-client-secret-PLAINTEXT"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


@dataclass
class AuthServer:
    url: str = ""
    expires_in: int = 3600
    refreshed_expires_in: int = 3600
    refresh_delay: float = 0.0
    refresh_fails: bool = False
    extra_token_fields: dict[str, Any] = field(default_factory=dict)
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    refresh_tokens: set[str] = field(default_factory=set)
    authorize_requests: list[dict[str, str]] = field(default_factory=list)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    refresh_calls: int = 0
    issued: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def authorize(self, query: dict[str, str]) -> str:
        self.authorize_requests.append(query)
        code = secrets.token_urlsafe(12)
        self.codes[code] = query
        return query["redirect_uri"] + "?" + urlencode({"code": code, "state": query["state"]})

    def _client_ok(self, form: dict[str, str], authorization: str) -> bool:
        if authorization.startswith("Basic "):
            pair = base64.b64decode(authorization[6:]).decode()
            cid, _, secret = pair.partition(":")
            return (unquote(cid), unquote(secret)) == (CLIENT_ID, CLIENT_SECRET)
        return (form.get("client_id"), form.get("client_secret")) == (CLIENT_ID, CLIENT_SECRET)

    def token(self, form: dict[str, str], authorization: str) -> tuple[int, dict[str, Any]]:
        self.token_requests.append(form)
        if not self._client_ok(form, authorization):
            return 401, {"error": "invalid_client"}
        if form.get("grant_type") == "refresh_token":
            return self._refresh(form)
        grant = self.codes.pop(form.get("code", ""), None)
        if grant is None or form.get("redirect_uri") != grant["redirect_uri"]:
            return 400, {"error": "invalid_grant"}
        if "code_challenge" in grant:
            verifier = form.get("code_verifier", "")
            if b64url(hashlib.sha256(verifier.encode()).digest()) != grant["code_challenge"]:
                return 400, {"error": "invalid_grant", "error_description": "PKCE verification failed"}
        return 200, self._tokens(self.expires_in)

    def _refresh(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        with self.lock:
            self.refresh_calls += 1
        time.sleep(self.refresh_delay)
        with self.lock:
            if self.refresh_fails or form.get("refresh_token") not in self.refresh_tokens:
                return 400, {"error": "invalid_grant"}
            self.refresh_tokens.discard(form["refresh_token"])
            return 200, self._tokens(self.refreshed_expires_in)

    def _tokens(self, expires_in: int) -> dict[str, Any]:
        access, refresh = "at-" + secrets.token_hex(8), "rt-" + secrets.token_hex(8)
        self.refresh_tokens.add(refresh)
        self.issued.append(access)
        body: dict[str, Any] = {"access_token": access, "refresh_token": refresh, "token_type": "Bearer"}
        if expires_in:
            body["expires_in"] = expires_in
        return {**body, **self.extra_token_fields}


def oauth2_auth(server: AuthServer, **extra: Any) -> dict[str, Any]:
    """An ``oauth2`` connection auth block (this server's endpoints and client), plus ``extra``."""
    return {
        "type": "oauth2",
        "authorization_url": server.url + "/authorize",
        "token_url": server.url + "/token",
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        **extra,
    }


def connect_through(client: Any, base_url: str, **body: Any) -> Any:
    """Start an integration OAuth flow on ``client`` (a TestClient of the app served at
    ``base_url``), authorize at the server and return the app's callback response."""
    import httpx

    started = client.post("/api/v1/auth/start-oauth", json=body)
    assert started.status_code == 200, started.text
    assert dict(parse_qsl(urlsplit(started.json()["url"]).query))["state"] == started.json()["state"]
    reply = httpx.get(started.json()["url"], follow_redirects=False)
    location = urlsplit(reply.headers["location"])
    assert f"{location.scheme}://{location.netloc}" == base_url
    return client.get(location.path, params=dict(parse_qsl(location.query)), follow_redirects=False)


def start_auth_server() -> tuple[AuthServer, Callable[[], None]]:
    server_state = AuthServer()

    class Handler(QuietHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = dict(parse_qsl(parts.query))
            self._json(302, {}, {"Location": server_state.authorize(query)})

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
            is_json = self.headers.get("Content-Type", "").startswith("application/json")
            form = json.loads(raw) if is_json else dict(parse_qsl(raw))
            status, doc = server_state.token(form, self.headers.get("Authorization", ""))
            self._json(status, doc)

    server_state.url, stop = start_server(Handler)
    return server_state, stop
