"""MCP authorization discovery against an upstream MCP server, and dynamic client registration.

Follows the MCP authorization spec with the SDK's own helpers: probe the MCP URL for a 401 whose
``WWW-Authenticate`` names ``resource_metadata`` (RFC 9728), else the well-known protected resource
URLs; then the authorization server metadata (RFC 8414, then OpenID discovery); then RFC 7591
registration, all of it through the engine's client (``sdk_transport``). Only HTTP happens here:
caching and storage belong to ``engine.auth.mcp_oauth``. Failures become
``McpOAuthDiscoveryFailed`` naming the step, never a response body.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from engine import __version__
from engine.egress.client import HttpClient
from engine.egress.context import ENGINE, EgressContext
from engine.errors import GestaltError, McpOAuthDiscoveryFailed

T = TypeVar("T")
TIMEOUT = 15.0
CLIENT_NAME = "Gestalt"
# Preferred first: a public client needs no secret at all (engine.md §8.3).
AUTH_METHODS = ("none", "client_secret_post", "client_secret_basic")
_PROBE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-11-25",
        "capabilities": {},
        "clientInfo": {"name": "gestalt", "version": __version__},
    },
}


@dataclass(frozen=True, slots=True)
class AuthServer:
    """What a connect flow needs to know about the upstream's authorization server."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    registration_endpoint: str
    resource: str  # RFC 8707 ``resource``: the protected MCP server
    scopes: tuple[str, ...]
    pkce: bool
    auth_methods: tuple[str, ...]

    @property
    def auth_method(self) -> str:
        """The token endpoint auth method to register with."""
        if not self.auth_methods:
            return AUTH_METHODS[0]
        return next((m for m in AUTH_METHODS if m in self.auth_methods), self.auth_methods[0])


@dataclass(frozen=True, slots=True)
class Registration:
    client_id: str
    client_secret: str = field(repr=False)
    auth_method: str
    expires_at: datetime | None


async def discover(
    client: HttpClient, mcp_url: str, context: EgressContext = ENGINE, timeout: float = TIMEOUT
) -> AuthServer:
    """The authorization server protecting ``mcp_url``."""
    async with _http(client, context, timeout) as http:
        probe = await _step("probe", http.post(mcp_url, json=_PROBE, headers=_PROBE_HEADERS))
        resource, as_url, scope = await _protected_resource(http, mcp_url, probe)
        metadata = await _auth_server_metadata(http, as_url, mcp_url)
    methods = metadata.code_challenge_methods_supported
    scopes = scope.split() if scope else list(metadata.scopes_supported or [])
    return AuthServer(
        issuer=str(metadata.issuer),
        authorization_endpoint=str(metadata.authorization_endpoint),
        token_endpoint=str(metadata.token_endpoint),
        registration_endpoint=str(metadata.registration_endpoint or ""),
        resource=resource,
        scopes=tuple(scopes),
        pkce=not methods or "S256" in methods,
        auth_methods=tuple(metadata.token_endpoint_auth_methods_supported or ()),
    )


async def register(
    client: HttpClient,
    server: AuthServer,
    redirect_uri: str,
    context: EgressContext = ENGINE,
    timeout: float = TIMEOUT,
) -> Registration:
    """RFC 7591 dynamic client registration for this server's callback."""
    from mcp.client.auth.utils import handle_registration_response
    from mcp.shared.auth import OAuthClientMetadata

    if not server.registration_endpoint:
        raise McpOAuthDiscoveryFailed("authorization server offers no dynamic client registration")
    metadata = OAuthClientMetadata.model_validate(
        {
            "client_name": CLIENT_NAME,
            "redirect_uris": [redirect_uri],
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"],
            "token_endpoint_auth_method": server.auth_method,
            "application_type": "web",
        }
    )
    body = metadata.model_dump(by_alias=True, mode="json", exclude_none=True)
    async with _http(client, context, timeout) as http:
        response = await _step("registration", http.post(server.registration_endpoint, json=body))
        info = await _step("registration", handle_registration_response(response))
    expires = info.client_secret_expires_at
    return Registration(
        client_id=info.client_id,
        client_secret=info.client_secret or "",
        auth_method=info.token_endpoint_auth_method or server.auth_method,
        expires_at=datetime.fromtimestamp(expires, UTC) if expires else None,
    )


async def _protected_resource(http: Any, mcp_url: str, probe: Any) -> tuple[str, str | None, str | None]:
    """(resource, first authorization server URL or None, scopes to ask for or None): the scope of
    the 401 challenge, else the resource's ``scopes_supported`` (the MCP spec's order)."""
    from mcp.client.auth.utils import (
        build_protected_resource_metadata_discovery_urls,
        extract_resource_metadata_from_www_auth,
        extract_scope_from_www_auth,
        handle_protected_resource_response,
    )

    challenged = extract_resource_metadata_from_www_auth(probe) if probe.status_code in (401, 403) else None
    scope = extract_scope_from_www_auth(probe) if probe.status_code in (401, 403) else None
    for url in build_protected_resource_metadata_discovery_urls(challenged, mcp_url):
        response = await _step("protected resource metadata", http.get(url, headers=_METADATA_HEADERS))
        found = await _step("protected resource metadata", handle_protected_resource_response(response))
        if found is not None:
            scope = scope or " ".join(found.scopes_supported or ()) or None
            return str(found.resource), str(found.authorization_servers[0]), scope
    return mcp_url, None, scope  # 2025-03-26 servers: the MCP origin is the authorization server


async def _auth_server_metadata(http: Any, as_url: str | None, mcp_url: str) -> Any:
    from mcp.client.auth.utils import (
        build_oauth_authorization_server_metadata_discovery_urls,
        handle_auth_metadata_response,
    )

    for url in build_oauth_authorization_server_metadata_discovery_urls(as_url, mcp_url):
        response = await _step("authorization server metadata", http.get(url, headers=_METADATA_HEADERS))
        keep_trying, metadata = await _step("authorization server metadata",
                                            handle_auth_metadata_response(response))  # fmt: skip
        if metadata is not None:
            return metadata
        if not keep_trying:
            break
    raise McpOAuthDiscoveryFailed("no authorization server metadata found")


async def _step(name: str, pending: Awaitable[T]) -> T:
    """Await one discovery step; any failure becomes ``McpOAuthDiscoveryFailed`` naming it."""
    try:
        return await pending
    except GestaltError:
        raise
    except Exception as exc:  # transport errors, SDK validation errors: the cause stays chained
        raise McpOAuthDiscoveryFailed(f"{name} failed: {type(exc).__name__}") from exc


@asynccontextmanager
async def _http(client: HttpClient, context: EgressContext, timeout: float) -> AsyncIterator[Any]:
    import httpx2

    from engine.egress.sdk_transport import sdk_client

    options: dict[str, Any] = {"timeout": httpx2.Timeout(timeout), "follow_redirects": False}
    async with sdk_client(client, None, context, **options) as http:
        yield http


_PROBE_HEADERS = {"Accept": "application/json, text/event-stream"}
_METADATA_HEADERS = {"MCP-Protocol-Version": "2025-11-25", "Accept": "application/json"}
