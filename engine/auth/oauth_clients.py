"""Which connections can do OAuth, and their clients, built once per (integration, connection).

Client credentials come from ``plugin.config.client_id/client_secret`` when set (the override the
reference honours), else from the connection's ``auth`` block. The redirect URI is always this
server's callback, ``server.base_url`` + ``/api/v1/auth/callback``. ``mcp_oauth`` connections get
theirs by discovery against the integration's ``mcp_url`` (``engine.auth.mcp_oauth``), so their
client is only known asynchronously: flows and refresh ask ``client``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.auth.integration_oauth import OAuth2Client
from engine.auth.mcp_oauth import McpOAuthClients
from engine.compiler.model import Connection
from engine.config.spec import ConfigSpec
from engine.egress.client import HttpClient
from engine.store import Store

CALLBACK_PATH = "/api/v1/auth/callback"


class OAuthClients:
    def __init__(self, config: ConfigSpec, http: HttpClient, store: Store) -> None:
        self._config = config
        self._http = http
        self._clients: dict[tuple[str, str], OAuth2Client | None] = {}
        self._mcp = McpOAuthClients(store, http)

    @property
    def redirect_uri(self) -> str:
        return self._config.server.base_url.rstrip("/") + CALLBACK_PATH

    def offers(self, integration: str, connection: Connection) -> bool:
        """Whether the connection can be connected with OAuth (without contacting anyone)."""
        if connection.auth.type == "mcp_oauth":
            return bool(self._mcp_url(integration))
        return self.for_connection(integration, connection) is not None

    async def client(self, integration: str, connection: Connection) -> OAuth2Client | None:
        """The connection's OAuth client, discovering an ``mcp_oauth`` one; None for non-OAuth."""
        if connection.auth.type != "mcp_oauth":
            return self.for_connection(integration, connection)
        mcp_url = self._mcp_url(integration)
        if not mcp_url:
            return None
        redirect = connection.auth.redirect_url or self.redirect_uri
        key = (integration, connection.name)
        return await self._mcp.client(key, mcp_url, connection, redirect, self._plugin_config(integration))

    def for_connection(self, integration: str, connection: Connection) -> OAuth2Client | None:
        """The connection's OAuth client; None when it is not an ``oauth2`` connection."""
        key = (integration, connection.name)
        if key not in self._clients:
            self._clients[key] = self._build(integration, connection)
        return self._clients[key]

    def _build(self, integration: str, connection: Connection) -> OAuth2Client | None:
        auth = connection.auth
        if auth.type != "oauth2" or not auth.authorization_url or not auth.token_url:
            return None
        override = self._plugin_config(integration)
        client_id = str(override.get("client_id") or auth.client_id)
        if not client_id:
            return None
        secret = str(override.get("client_secret") or auth.client_secret)
        return OAuth2Client(auth, client_id, secret, self.redirect_uri, self._http)

    def _plugin_config(self, integration: str) -> Mapping[str, Any]:
        spec = self._config.integrations.get(integration)
        return spec.plugin.config if spec is not None else {}

    def _mcp_url(self, integration: str) -> str:
        spec = self._config.integrations.get(integration)
        return spec.plugin.mcp_url if spec is not None else ""
