"""Integration OAuth routes (reference http-api §5.2, §5.3): start the flow, complete it.

``start-oauth`` answers the authorization URL with a sealed, single-use ``state`` bound to the
caller's user id; the public ``callback`` trusts only that state, exchanges the code (with the
PKCE verifier the state carries), stores the tokens (after discovery, ``web/post_connect.py``) and
redirects to the integrations page, or shows the page to choose a discovered candidate.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any
from urllib.parse import quote

from litestar import Request, Response, get, post

from engine.auth.integration_oauth import OAuth2Client, TokenSet
from engine.auth.oauth_state import OAuthState, open_state, seal_state
from engine.compiler.model import Connection
from engine.errors import (
    BadRequest,
    InvalidJSONBody,
    NoOAuthConnections,
    OAuthNotSupported,
    OAuthTokenError,
    TokenExchangeFailed,
)
from engine.invocation.connection_target import (
    checked_connection_name,
    choose_connection,
    choose_instance,
    validate_params,
)
from engine.invocation.store_credentials import StoreCredentials
from engine.providers.model import Provider
from engine.store import CredentialData
from engine.store.records import utc_now
from engine.surface.json_body import optional_str, read_json_object
from engine.web.auth_routes import cipher_of
from engine.web.connection_requests import connections_of, params_of, provider_for
from engine.web.dependencies import PrincipalDep, RuntimeDep
from engine.web.pending_routes import selection_response
from engine.web.post_connect import finish_connect

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


def scopes_of(body: dict[str, Any]) -> list[str]:
    scopes = body.get("scopes")
    if scopes is None:
        return []
    if not isinstance(scopes, list) or not all(isinstance(s, str) for s in scopes):
        raise InvalidJSONBody()
    return scopes


@post("/auth/start-oauth", status_code=200)
async def start_oauth(
    request: Request[Any, Any, Any], principal: PrincipalDep, runtime: RuntimeDep
) -> dict[str, str]:
    body = await read_json_object(request)
    provider = provider_for(runtime, principal, optional_str(body, "integration"))
    service = connections_of(runtime)
    connection, client = await oauth_target(service, provider, optional_str(body, "connection"))
    cipher = cipher_of(runtime)
    user_id = await service.user_id(principal)
    instance = choose_instance(optional_str(body, "instance"))
    params = validate_params(connection, params_of(body))
    verifier = client.new_verifier()
    state = seal_state(
        cipher, OAuthState(user_id, provider.name, connection.name, instance, verifier, params)
    )
    url = client.authorization_url(state, verifier, scopes_of(body), params)
    return {"url": url, "state": state}


@get("/auth/callback")
async def oauth_callback(request: Request[Any, Any, Any], runtime: RuntimeDep) -> Response[bytes]:
    # Read by hand: ``state`` is a reserved handler parameter name in Litestar.
    code, sealed = request.query_params.get("code", ""), request.query_params.get("state", "")
    if not code or not sealed:
        raise BadRequest("missing code or state parameter")
    service = connections_of(runtime)
    state = await open_state(cipher_of(runtime), service.store, sealed)
    provider = runtime.providers.get(state.integration)
    if provider is None:
        raise NoOAuthConnections(state.integration)
    connection, client = await oauth_target(service, provider, state.connection)
    try:
        tokens = await client.exchange(code, state.verifier, state.params)
    except OAuthTokenError as exc:
        fields = {"integration": provider.name, "connection": connection.name, "reason": str(exc)}
        _log.warning("token exchange failed", extra={"fields": fields})
        raise TokenExchangeFailed() from exc
    selection = await finish_connect(runtime, connection, _credential(state, connection, tokens, client))
    if selection is not None:
        return selection_response(runtime, selection)
    location = "/integrations?connected=" + quote(provider.name, safe="")
    return Response(b"", status_code=303, headers={"Location": location})


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
