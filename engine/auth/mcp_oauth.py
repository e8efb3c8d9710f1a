"""``auth.type: mcp_oauth``: an OAuth client for an upstream MCP server, found by discovery.

The authorization server is discovered from the integration's ``mcp_url`` (``engine.egress.mcp_oauth``)
and remembered for ``DISCOVERY_TTL``; the client is the connection's static ``client_id`` when set,
else a dynamic registration kept in the store per (authorization server, redirect URI), made once.
The redirect URI is chosen by the caller (``OAuthClients.redirect_for``: the connection's
``redirect_url``, else this server's callback), the same rule as for ``oauth2`` connections.
The result is an ordinary ``OAuth2Client`` over a synthesised ``oauth2`` auth block, so the connect
flow, token storage and refresh are the integration OAuth machinery, unchanged. When discovery
fails, the last client built for that connection is still used.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from engine.auth.integration_oauth import OAuth2Client
from engine.compiler.connections import oauth_client_credentials
from engine.compiler.model import Connection
from engine.config.spec import ConnectionAuthSpec
from engine.egress import mcp_oauth
from engine.egress.client import HttpClient
from engine.egress.context import EgressContext, system
from engine.egress.mcp_oauth import AuthServer
from engine.errors import McpOAuthDiscoveryFailed
from engine.store import OAuthRegistration, Store

DISCOVERY_TTL = 24 * 3600.0
Key = tuple[str, str]  # (integration, connection)


class McpOAuthClients:
    def __init__(self, store: Store, http: HttpClient) -> None:
        self._store = store
        self._http = http
        self._clients: dict[Key, tuple[float, OAuth2Client]] = {}
        self._locks: dict[Key, asyncio.Lock] = {}

    async def client(
        self, key: Key, mcp_url: str, connection: Connection, redirect_uri: str, static: Mapping[str, Any]
    ) -> OAuth2Client:
        """The connection's client; ``static``: the operator's client_id/client_secret, if any."""
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            cached = self._clients.get(key)
            if cached is not None and cached[0] > time.monotonic():
                return cached[1]
            try:
                built = await self._build(key[0], mcp_url, connection, redirect_uri, static)
            except McpOAuthDiscoveryFailed:
                if cached is None:
                    raise
                return cached[1]  # the upstream's metadata is briefly unavailable: keep going
            self._clients[key] = (time.monotonic() + DISCOVERY_TTL, built)
            return built

    async def _build(
        self,
        integration: str,
        mcp_url: str,
        connection: Connection,
        redirect_uri: str,
        static: Mapping[str, Any],
    ) -> OAuth2Client:
        # Cached per connection and shared by its users: the engine's own request, not a caller's.
        context = system("mcp_oauth", integration)
        server = await mcp_oauth.discover(self._http, mcp_url, context)
        client_id, secret = oauth_client_credentials(static, connection.auth)
        if client_id:
            auth = oauth2_auth(connection.auth, server, connection.auth.client_auth)
            return OAuth2Client(auth, client_id, secret, redirect_uri, self._http)
        registration = await self._registration(server, redirect_uri, context)
        client_auth = "header" if registration.auth_method == "client_secret_basic" else "body"
        auth = oauth2_auth(connection.auth, server, client_auth)
        return OAuth2Client(
            auth, registration.client_id, registration.client_secret, redirect_uri, self._http
        )

    async def _registration(
        self, server: AuthServer, redirect_uri: str, context: EgressContext
    ) -> OAuthRegistration:
        stored = await self._store.get_oauth_registration(server.issuer, redirect_uri)
        if stored is not None:
            return stored
        made = await mcp_oauth.register(self._http, server, redirect_uri, context)
        registration = OAuthRegistration(
            auth_server=server.issuer,
            redirect_uri=redirect_uri,
            client_id=made.client_id,
            client_secret=made.client_secret,
            auth_method=made.auth_method,
            expires_at=made.expires_at,
        )
        await self._store.put_oauth_registration(registration)
        return registration


def oauth2_auth(auth: ConnectionAuthSpec, server: AuthServer, client_auth: str) -> ConnectionAuthSpec:
    """The connection's auth block as ``oauth2`` against the discovered server. RFC 8707's
    ``resource`` names the MCP server in every request, as the MCP authorization spec asks."""
    resource = {"resource": server.resource}
    return replace(
        auth,
        type="oauth2",
        authorization_url=server.authorization_endpoint,
        token_url=server.token_endpoint,
        client_auth=client_auth,
        pkce=server.pkce,
        scopes=auth.scopes or server.scopes,
        authorization_params={**resource, **auth.authorization_params},
        token_params={**resource, **auth.token_params},
        refresh_params={**resource, **auth.refresh_params},
    )
