"""An MCP server that requires OAuth, and its authorization server, both real, on 127.0.0.1.

The authorization server publishes RFC 8414 metadata, registers clients dynamically (RFC 7591,
``client_secret_post``, so every client gets a secret), and issues tokens for the authorization
code grant (PKCE S256 required) and refresh grants (rotating), each bound to the RFC 8707
``resource`` it was asked for. The MCP server is the SDK's own resource server: RFC 9728 metadata,
``401`` with ``WWW-Authenticate: Bearer ... resource_metadata=...`` without a valid token.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from mcp.server.auth.provider import AccessToken
from mcp.server.auth.settings import AuthSettings
from mcp.server.mcpserver import MCPServer

from tests.support.http_server import QuietHandler, start_server
from tests.support.mcp_upstream import McpUpstream, build_server, start_mcp_upstream
from tests.support.oauth_server import b64url

SCOPE = "mcp:tools"


@dataclass
class McpAuthServer:
    url: str = ""
    expires_in: int = 3600
    clients: dict[str, dict[str, Any]] = field(default_factory=dict)
    registrations: list[dict[str, Any]] = field(default_factory=list)
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    tokens: dict[str, dict[str, str]] = field(default_factory=dict)  # access token → grant
    refresh_tokens: dict[str, dict[str, str]] = field(default_factory=dict)
    authorize_requests: list[dict[str, str]] = field(default_factory=list)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def metadata(self) -> dict[str, Any]:
        return {
            "issuer": self.url,
            "authorization_endpoint": self.url + "/authorize",
            "token_endpoint": self.url + "/token",
            "registration_endpoint": self.url + "/register",
            "scopes_supported": [SCOPE],
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        }

    def register(self, doc: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        self.registrations.append(doc)
        if not doc.get("redirect_uris"):
            return 400, {"error": "invalid_redirect_uri"}
        client = {**doc, "client_id": "dyn-" + secrets.token_hex(4), "client_secret": secrets.token_hex(16)}
        self.clients[client["client_id"]] = client
        return 201, {**client, "client_id_issued_at": 1, "client_secret_expires_at": 0}

    def authorize(self, query: dict[str, str]) -> tuple[int, str]:
        self.authorize_requests.append(query)
        client = self.clients.get(query.get("client_id", ""))
        if client is None or query.get("redirect_uri") not in client["redirect_uris"]:
            return 400, ""
        if query.get("code_challenge_method") != "S256":
            return 400, ""
        code = secrets.token_urlsafe(12)
        self.codes[code] = query
        return 302, query["redirect_uri"] + "?" + urlencode({"code": code, "state": query["state"]})

    def token(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        self.token_requests.append(form)
        client = self.clients.get(form.get("client_id", ""))
        if client is None or form.get("client_secret") != client["client_secret"]:
            return 401, {"error": "invalid_client"}
        with self.lock:
            if form.get("grant_type") == "refresh_token":
                grant = self.refresh_tokens.pop(form.get("refresh_token", ""), None)
            else:
                grant = self._code_grant(form)
            if grant is None or grant.get("resource") != form.get("resource"):
                return 400, {"error": "invalid_grant"}
            return 200, self._issue(grant)

    def _code_grant(self, form: dict[str, str]) -> dict[str, str] | None:
        grant = self.codes.pop(form.get("code", ""), None)
        if grant is None or form.get("redirect_uri") != grant["redirect_uri"]:
            return None
        verifier = form.get("code_verifier", "")
        if b64url(hashlib.sha256(verifier.encode()).digest()) != grant["code_challenge"]:
            return None
        return {key: grant.get(key, "") for key in ("client_id", "resource", "scope")}

    def _issue(self, grant: dict[str, str]) -> dict[str, Any]:
        access, refresh = "mcp-at-" + secrets.token_hex(8), "mcp-rt-" + secrets.token_hex(8)
        self.tokens[access] = grant
        self.refresh_tokens[refresh] = grant
        return {
            "access_token": access,
            "refresh_token": refresh,
            "token_type": "Bearer",
            "expires_in": self.expires_in,
            "scope": grant["scope"],
        }


class Verifier:
    """The MCP server's view of the authorization server's tokens."""

    def __init__(self, server: McpAuthServer) -> None:
        self.server = server

    async def verify_token(self, token: str) -> AccessToken | None:
        grant = self.server.tokens.get(token)
        if grant is None:
            return None
        scopes = grant["scope"].split()
        client_id, resource = grant["client_id"], grant["resource"]
        return AccessToken(token=token, client_id=client_id, scopes=scopes, resource=resource)


def _handler(state: McpAuthServer) -> type[BaseHTTPRequestHandler]:
    class Handler(QuietHandler):
        def _reply(self, status: int, doc: dict[str, Any], location: str = "") -> None:
            self._json(status, doc, {"Location": location} if location else None)

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            if parts.path == "/.well-known/oauth-authorization-server":
                return self._reply(200, state.metadata())
            if parts.path == "/authorize":
                status, location = state.authorize(dict(parse_qsl(parts.query)))
                return self._reply(status, {}, location)
            self._reply(404, {"error": "not_found"})

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
            path = urlsplit(self.path).path
            if path == "/register":
                return self._reply(*state.register(json.loads(raw)))
            if path == "/token":
                return self._reply(*state.token(dict(parse_qsl(raw))))
            self._reply(404, {"error": "not_found"})

    return Handler


def start_mcp_auth_server() -> tuple[McpAuthServer, Callable[[], None]]:
    state = McpAuthServer()
    state.url, stop = start_server(_handler(state))
    return state, stop


def start_secured_mcp(auth_server: McpAuthServer) -> tuple[McpUpstream, Callable[[], None]]:
    """The upstream MCP tools behind the SDK's bearer-token resource server."""

    def make(url: str) -> MCPServer:
        settings = AuthSettings(
            issuer_url=auth_server.url,  # type: ignore[arg-type]  # pydantic parses the URL
            resource_server_url=url,  # type: ignore[arg-type]
            required_scopes=[SCOPE],
            validate_token_resource=True,
        )
        return build_server(auth=settings, token_verifier=Verifier(auth_server))

    return start_mcp_upstream(make)
