"""gestaltd's authorization server, the human side: ``/oauth/authorize`` checks the request, makes
sure the browser is signed in through the platform login (``local``: a sign-in page here; ``oidc``
and ``google``: a round trip to the identity provider that comes back to the request; ``none``: the
anonymous user), shows a consent page naming the client and the integrations it asks for, and on
the user's decision sends the browser back to the client with a code (and ``iss``, RFC 9207) or
``access_denied``."""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from litestar import Request, Response, Router, get, post

from engine.auth.api_tokens import MCP_TOOL_MODES
from engine.auth.login import LoginRequest
from engine.auth.oauth_server.authorization import (
    AuthorizationRequest,
    authorization_request,
    destination,
    unseal_request,
)
from engine.auth.oauth_server.clients import Client
from engine.auth.oauth_server.endpoints import AUTHORIZE_PATH, LOGIN_PATH, Endpoints
from engine.auth.oauth_server.grants import issue_code
from engine.auth.oauth_server.redirects import display_host, form_action_source, is_loopback, with_response
from engine.auth.principal import OPERATION_SEPARATOR, Principal
from engine.errors import (
    AccessDenied,
    BadRequest,
    GestaltError,
    LoginFailed,
    NotAuthenticated,
    OAuthProtocolError,
    Unauthorized,
)
from engine.providers.model import Provider
from engine.surface.cookies import SESSION_COOKIE, login_state_cookie
from engine.surface.form_body import read_form, single
from engine.surface.runtime import Runtime
from engine.web.auth_routes import cipher_of, issue_session_cookie, platform_auth, user_for
from engine.web.csrf import check_csrf, csrf_token
from engine.web.dependencies import RuntimeDep
from engine.web.oauth_pages import error_page, page
from engine.web.oauth_server_routes import clients_of, endpoints_of
from engine.web.tokens import resolve_user_id, store_of

_RETURN_PREFIX = AUTHORIZE_PATH + "?"


@get(AUTHORIZE_PATH)
async def authorize(request: Request[Any, Any, Any], runtime: RuntimeDep) -> Response[bytes]:
    query = _single_query(request.scope["query_string"])
    if query is None:
        return error_page("a parameter of the authorization request is given more than once")
    try:
        to = await destination(query, clients_of(runtime))
    except OAuthProtocolError as exc:
        return error_page(exc.public_message)
    endpoints = endpoints_of(runtime, request)
    try:
        wanted = authorization_request(query, to, endpoints, runtime.providers)
    except OAuthProtocolError as exc:
        return _back(to.redirect_uri, to.state, endpoints, error=exc)
    session, principal = await _signed_in(runtime, request)
    if principal is None:
        return await _sign_in(runtime, to.client, _RETURN_PREFIX + request.scope["query_string"].decode())
    return _consent(runtime, wanted, to.client, principal, session)


@post(AUTHORIZE_PATH, status_code=303)
async def decide(request: Request[Any, Any, Any], runtime: RuntimeDep) -> Response[bytes]:
    try:
        return await _decide(request, runtime)
    except GestaltError as exc:  # a person is looking: a page, not JSON
        return error_page(exc.public_message, exc.status)


async def _decide(request: Request[Any, Any, Any], runtime: Runtime) -> Response[bytes]:
    form = await read_form(request)
    session, principal = await _signed_in(runtime, request)
    if principal is None:
        raise NotAuthenticated("you are no longer signed in; start again from the application")
    cipher = cipher_of(runtime)
    check_csrf(cipher, session, single(form, "csrf"))
    wanted = unseal_request(cipher, single(form, "request"), session)
    endpoints = endpoints_of(runtime, request)
    scopes = _granted(wanted.scopes, form.get("scope", []), runtime.providers)
    if single(form, "decision") != "allow" or scopes is None:
        return _back(wanted.redirect_uri, wanted.state, endpoints, AccessDenied())
    mcp_tools = single(form, "mcp_tools")
    store = store_of(runtime)
    user_id = await resolve_user_id(store, principal)
    code = await issue_code(store, wanted, user_id, scopes, mcp_tools if mcp_tools in MCP_TOOL_MODES else "")
    return _back(wanted.redirect_uri, wanted.state, endpoints, code=code)


@post(LOGIN_PATH, status_code=303)
async def sign_in(request: Request[Any, Any, Any], runtime: RuntimeDep) -> Response[bytes]:
    """The ``local`` provider's sign-in form on the way to a consent page."""
    form = await read_form(request)
    return_to = single(form, "return_to")
    auth = platform_auth(runtime)
    if not return_to.startswith(_RETURN_PREFIX) or auth.login.name != "local":
        raise BadRequest("this form signs in to an OAuth authorization with the local provider only")
    login = LoginRequest(
        state=secrets.token_urlsafe(16), password=single(form, "password"), return_to=return_to
    )
    try:
        start = await auth.login.begin(login)
    except LoginFailed:
        return _sign_in_page(runtime, "An application", return_to, failed=True)
    assert start.identity is not None  # local logs in at once
    store = store_of(runtime)
    cookie = await issue_session_cookie(store, auth, await user_for(store, start.identity))
    return Response(b"", status_code=303, headers={"Location": return_to}, cookies=[cookie])


async def _signed_in(runtime: Runtime, request: Request[Any, Any, Any]) -> tuple[str, Principal | None]:
    """(session token, who) from the browser's session cookie; None when not signed in."""
    session = request.cookies.get(SESSION_COOKIE, "")
    try:
        return session, await runtime.authenticator.authenticate("", session)
    except (Unauthorized, NotAuthenticated):
        return session, None


async def _sign_in(runtime: Runtime, client: Client, return_to: str) -> Response[bytes]:
    auth = platform_auth(runtime)
    if auth.login.name == "local":
        return _sign_in_page(runtime, client.name or "An application", return_to)
    state = secrets.token_urlsafe(16)
    start = await auth.login.begin(LoginRequest(state=state, return_to=return_to))
    cookie = login_state_cookie(cipher_of(runtime), state, auth.secure_cookies)
    return Response(b"", status_code=303, headers={"Location": start.url}, cookies=[cookie])


def _sign_in_page(
    runtime: Runtime, client_name: str, return_to: str, failed: bool = False
) -> Response[bytes]:
    login = platform_auth(runtime).login
    identity = getattr(login, "identity", None)
    return page(
        "oauth_sign_in.html",
        status=401 if failed else 200,
        action=LOGIN_PATH,
        client_name=client_name,
        return_to=return_to,
        email=getattr(identity, "email", ""),
        needs_password=bool(getattr(login, "needs_password", False)),
        failed=failed,
    )


def _consent(
    runtime: Runtime, wanted: AuthorizationRequest, client: Client, principal: Principal, session: str
) -> Response[bytes]:
    cipher = cipher_of(runtime)
    return page(
        "oauth_consent.html",
        form_targets=[form_action_source(wanted.redirect_uri)],
        action=AUTHORIZE_PATH,
        client_name=client.name or "An unnamed application",
        client_id=client.client_id,
        document_host=urlsplit(client.client_id).hostname if client.document else "",
        redirect_host=display_host(wanted.redirect_uri),
        loopback=is_loopback(wanted.redirect_uri),
        email=principal.email,
        everything=not wanted.scopes,
        scopes=scope_choices(wanted.scopes, runtime.providers),
        tool_mode=runtime.config.server.mcp.tools,
        request_token=wanted.seal(cipher, session),
        csrf=csrf_token(cipher, session),
    )


def scope_choices(requested: Sequence[str], providers: Mapping[str, Provider]) -> list[dict[str, str]]:
    """The consent page's checkboxes: what was asked for, or every integration."""
    offered = requested or sorted(providers)
    return [{"value": scope, "label": _label(scope, providers)} for scope in offered]


def _label(scope: str, providers: Mapping[str, Provider]) -> str:
    integration, _, operation = scope.partition(OPERATION_SEPARATOR)
    provider = providers.get(integration)
    name = (provider.display_name if provider else "") or integration
    return f"{name}: only {operation}" if operation else name


def _granted(
    requested: tuple[str, ...], chosen: list[str], providers: Mapping[str, Provider]
) -> tuple[str, ...] | None:
    """The scopes to grant: what the user kept ticked of what was offered; () when the client
    asked for everything and the user kept everything; None when nothing is left."""
    offered = requested or tuple(sorted(providers))
    kept = tuple(scope for scope in offered if scope in chosen)
    if not kept:
        return None
    return () if not requested and len(kept) == len(offered) else kept


def _back(
    redirect_uri: str,
    state: str,
    endpoints: Endpoints,
    error: OAuthProtocolError | None = None,
    code: str = "",
) -> Response[bytes]:
    """Back to the client (OAuth 2.1 §4.1.2): a code, or an error, with ``state`` and ``iss``."""
    params = (
        {"code": code} if error is None else {"error": error.code, "error_description": error.public_message}
    )
    if state:
        params["state"] = state
    params["iss"] = endpoints.issuer
    return Response(b"", status_code=303, headers={"Location": with_response(redirect_uri, params)})


def _single_query(query_string: bytes) -> dict[str, str] | None:
    pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
    query = dict(pairs)
    return query if len(query) == len(pairs) else None


def oauth_authorize_router() -> Router:
    return Router(path="", route_handlers=[authorize, decide, sign_in])
