"""Finishing an integration OAuth flow the user's browser vouched for: exchange the code (with the
PKCE verifier the state carries), build the credential, store it after discovery
(``web/post_connect.py``). The callback calls this for a bound browser, the confirmation route
once the person in another browser has confirmed."""

from __future__ import annotations

import logging
from datetime import timedelta

from engine.auth.integration_oauth import OAuth2Client, TokenSet
from engine.auth.oauth_state import OAuthState
from engine.compiler.model import Connection
from engine.errors import NoOAuthConnections, OAuthNotSupported, OAuthTokenError, TokenExchangeFailed
from engine.invocation.connection_target import checked_connection_name, choose_connection
from engine.invocation.store_credentials import StoreCredentials
from engine.providers.model import Provider
from engine.store import CredentialData
from engine.store.records import utc_now
from engine.surface.runtime import Runtime
from engine.web.connection_requests import connections_of
from engine.web.post_connect import SelectionRequired, finish_connect

_log = logging.getLogger("gestalt.oauth")


async def oauth_target(
    service: StoreCredentials, provider: Provider, requested: str
) -> tuple[Connection, OAuth2Client]:
    """The OAuth connection a flow uses and its client (``mcp_oauth``: discovered), or the
    reference's 400s."""
    if not any(service.oauth.offers(provider.name, c) for c in provider.connections.values()):
        raise NoOAuthConnections(provider.name)
    if requested:
        connection = provider.connections.get(checked_connection_name(requested))
    else:
        connection = choose_connection(provider, "")
    client = await service.oauth.client(provider.name, connection) if connection else None
    if connection is None or client is None:
        raise OAuthNotSupported(requested or provider.default_connection, provider.name)
    return connection, client


async def complete_flow(runtime: Runtime, state: OAuthState, code: str) -> SelectionRequired | None:
    """Store the flow's credential (None), or hand back the discovered candidates to choose from."""
    provider = runtime.providers.get(state.integration)
    if provider is None:
        raise NoOAuthConnections(state.integration)
    connection, client = await oauth_target(connections_of(runtime), provider, state.connection)
    try:
        tokens = await client.exchange(code, state.verifier, state.params)
    except OAuthTokenError as exc:
        fields = {"integration": provider.name, "connection": connection.name, "reason": str(exc)}
        _log.warning("token exchange failed", extra={"fields": fields})
        raise TokenExchangeFailed() from exc
    return await finish_connect(runtime, connection, _credential(state, connection, tokens, client))


def _credential(
    state: OAuthState, connection: Connection, tokens: TokenSet, client: OAuth2Client
) -> CredentialData:
    now = utc_now()
    return CredentialData(
        user_id=state.user_id,
        integration=state.integration,
        connection=connection.name,
        instance=state.instance or "default",
        access_token=tokens.access_token,
        refresh_token=tokens.refresh_token,
        scopes=tokens.scopes,
        expires_at=now + timedelta(seconds=tokens.expires_in) if tokens.expires_in else None,
        last_refreshed_at=now,
        metadata={**state.params, **tokens.metadata(client.auth.token_metadata)},
    )
