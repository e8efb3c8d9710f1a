"""gestaltd's authorization server, the machine side: protected-resource metadata (RFC 9728, for
the server and for ``/mcp``), authorization-server metadata (RFC 8414), client registration
(RFC 7591), the token endpoint (authorization code with PKCE, rotating refresh tokens, RFC 8707
resources) and revocation (RFC 7009). Errors take OAuth's shape (``surface.errors``).
The human side (authorize, sign-in, consent) is ``oauth_authorize_routes``."""

from __future__ import annotations

import base64
import binascii
from typing import Any
from urllib.parse import unquote

from litestar import Request, Response, Router, get, post

from engine.auth.api_tokens import token_ttl
from engine.auth.oauth_server.authorization import requested_resource
from engine.auth.oauth_server.clients import Client, ClientDirectory, register
from engine.auth.oauth_server.endpoints import (
    MCP_RESOURCE_PATH,
    REGISTER_PATH,
    RESOURCE_METADATA_PATH,
    REVOKE_PATH,
    SERVER_METADATA_PATH,
    TOKEN_PATH,
    Endpoints,
    resource_metadata,
    server_metadata,
)
from engine.auth.oauth_server.grants import CodeRedemption, Issued, redeem_code, refresh_grant, revoke_token
from engine.errors import (
    InternalError,
    InvalidClientMetadata,
    InvalidFormBody,
    InvalidGrant,
    InvalidJSONBody,
    InvalidOAuthClient,
    InvalidOAuthRequest,
    UnknownOAuthClient,
    UnsupportedGrantType,
)
from engine.surface.form_body import Form, read_form, single
from engine.surface.json_body import read_json_object
from engine.surface.public_url import public_base
from engine.surface.runtime import Runtime
from engine.web.dependencies import RuntimeDep
from engine.web.tokens import forget_user, store_of

_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def endpoints_of(runtime: Runtime, request: Request[Any, Any, Any]) -> Endpoints:
    return Endpoints(public_base(runtime.config.server.base_url, request.scope))


def clients_of(runtime: Runtime) -> ClientDirectory:
    if runtime.oauth_clients is None:
        raise InternalError("the authorization server is not configured")
    return runtime.oauth_clients


@get(RESOURCE_METADATA_PATH, sync_to_thread=False)
def server_resource(request: Request[Any, Any, Any], runtime: RuntimeDep) -> dict[str, Any]:
    endpoints = endpoints_of(runtime, request)
    return resource_metadata(endpoints, endpoints.base)


@get(RESOURCE_METADATA_PATH + MCP_RESOURCE_PATH, sync_to_thread=False)
def mcp_resource(request: Request[Any, Any, Any], runtime: RuntimeDep) -> dict[str, Any]:
    endpoints = endpoints_of(runtime, request)
    return resource_metadata(endpoints, endpoints.mcp_resource)


@get(SERVER_METADATA_PATH, sync_to_thread=False)
def authorization_server(request: Request[Any, Any, Any], runtime: RuntimeDep) -> dict[str, Any]:
    return server_metadata(endpoints_of(runtime, request))


@post(REGISTER_PATH, status_code=201)
async def register_client(request: Request[Any, Any, Any], runtime: RuntimeDep) -> Response[dict[str, Any]]:
    try:
        body = await read_json_object(request)
    except InvalidJSONBody:
        raise InvalidClientMetadata("the body must be a JSON object of client metadata") from None
    registration = register(body)
    await store_of(runtime).put_oauth_client(registration.client)
    return Response(registration.response, status_code=201, headers=_NO_STORE)


@post(TOKEN_PATH, status_code=200)
async def token(request: Request[Any, Any, Any], runtime: RuntimeDep) -> Response[dict[str, Any]]:
    form = await _oauth_form(request)
    grant_type = single(form, "grant_type")
    client = await authenticate_client(clients_of(runtime), form, request.headers.get("authorization", ""))
    refresh_ttl = token_ttl(runtime.config.server.api_token_ttl)
    store = store_of(runtime)
    if grant_type == "authorization_code":
        resource = single(form, "resource")
        redemption = CodeRedemption(
            code=single(form, "code"),
            redirect_uri=single(form, "redirect_uri"),
            verifier=single(form, "code_verifier"),
            resource=requested_resource(resource, endpoints_of(runtime, request)) if resource else "",
        )
        issued = await redeem_code(store, client, redemption, refresh_ttl)
    elif grant_type == "refresh_token":
        issued = await _refreshed(runtime, client, form, refresh_ttl)
    else:
        raise UnsupportedGrantType('grant_type must be "authorization_code" or "refresh_token"')
    return Response(issued.response(), headers=_NO_STORE)


async def _refreshed(runtime: Runtime, client: Client, form: Form, refresh_ttl: Any) -> Issued:
    issued, revoked_owner = await refresh_grant(
        store_of(runtime), client, single(form, "refresh_token"), single(form, "scope"), refresh_ttl
    )
    if issued is None:
        if revoked_owner:
            forget_user(runtime, revoked_owner)
        raise InvalidGrant("the refresh token is invalid, expired or was already used")
    return issued


@post(REVOKE_PATH, status_code=200)
async def revoke(request: Request[Any, Any, Any], runtime: RuntimeDep) -> Response[bytes]:
    form = await _oauth_form(request)
    client = await authenticate_client(clients_of(runtime), form, request.headers.get("authorization", ""))
    owner = await revoke_token(store_of(runtime), client, single(form, "token"))
    if owner:
        forget_user(runtime, owner)
    return Response(b"", status_code=200, headers=_NO_STORE)


async def authenticate_client(clients: ClientDirectory, form: Form, authorization: str) -> Client:
    """OAuth 2.1 §2.4: a public client names itself; a confidential one proves its secret, in the
    Basic header or the body."""
    basic_id, basic_secret = _basic(authorization)
    client_id = basic_id or single(form, "client_id")
    secret = basic_secret or single(form, "client_secret")
    if not client_id:
        raise InvalidOAuthClient("client_id is required")
    try:
        client = await clients.find(client_id)
    except UnknownOAuthClient:
        raise InvalidOAuthClient() from None
    if client.confidential and not client.secret_matches(secret):
        raise InvalidOAuthClient()
    return client


def _basic(authorization: str) -> tuple[str, str]:
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() != "basic":
        return "", ""
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise InvalidOAuthClient() from None
    client_id, _, secret = decoded.partition(":")
    return unquote(client_id), unquote(secret)


async def _oauth_form(request: Request[Any, Any, Any]) -> Form:
    try:
        return await read_form(request)
    except InvalidFormBody as exc:
        raise InvalidOAuthRequest(exc.public_message) from None


def oauth_server_router() -> Router:
    handlers = [server_resource, mcp_resource, authorization_server, register_client, token, revoke]
    return Router(path="", route_handlers=handlers)
