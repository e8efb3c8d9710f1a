"""Which connections can do OAuth, and their clients, built once per (integration, connection).

Client credentials come from ``plugin.config.client_id/client_secret`` when set (the override the
reference honours), else from the connection's ``auth`` block (``oauth_client_credentials``); an
``oauth2`` block left without a client id offers no OAuth (``serve`` warns about it at startup).
The redirect URI, sent in the authorization request and again in the code exchange, is the
connection's ``auth.redirect_url`` when set (the public URL behind a proxy), else this server's
callback, ``server.base_url`` + ``/api/v1/auth/callback``; the same rule for both types (the
reference ignores ``redirect_url`` for ``oauth2``, its quirk #12; we do what the schema documents).
``mcp_oauth`` connections get their client by discovery against the integration's ``mcp_url``
(``engine.auth.mcp_oauth``), so it is only known asynchronously: flows and refresh ask ``client``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.auth.integration_oauth import OAuth2Client
from engine.auth.mcp_oauth import McpOAuthClients
from engine.compiler.connections import is_oauth2_client, oauth_client_credentials
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
        """This server's callback: the redirect URI of connections that set no ``redirect_url``."""
        return self._config.server.base_url.rstrip("/") + CALLBACK_PATH

    def redirect_for(self, connection: Connection) -> str:
        """The redirect URI of the connection's authorization requests and code exchanges."""
        return connection.auth.redirect_url or self.redirect_uri

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
        redirect = self.redirect_for(connection)
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
        if not is_oauth2_client(auth):
            return None
        client_id, secret = oauth_client_credentials(self._plugin_config(integration), auth)
        if not client_id:  # an OpenAPI-derived oauth2 scheme and no plugin.config.client_id
            return None
        return OAuth2Client(auth, client_id, secret, self.redirect_for(connection), self._http)

    def _plugin_config(self, integration: str) -> Mapping[str, Any]:
        spec = self._config.integrations.get(integration)
        return spec.plugin.config if spec is not None else {}

    def _mcp_url(self, integration: str) -> str:
        spec = self._config.integrations.get(integration)
        return spec.plugin.mcp_url if spec is not None else ""
