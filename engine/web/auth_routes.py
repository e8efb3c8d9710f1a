"""Platform login routes (reference http-api §4): info, login, login callback, logout.

``POST /auth/login`` answers a URL and sets the sealed ``login_state`` cookie: the IdP's for
``oidc``/``google``, which sends the browser on to the client's callback page, or for ``local`` that
page itself with a one-time code (``local`` also sets the session cookie at once). The page calls
``GET /auth/login/callback?code&state``, which has the provider check the code and state, checks the
cookie, then issues a session cookie (or, with ``cli=1``, an API token).
"""

from __future__ import annotations

import secrets
from typing import Any

from litestar import Request, Response, Router, get, post
from litestar.datastructures import Cookie

from engine.auth.api_tokens import mint
from engine.auth.login import Identity, LoginRequest
from engine.auth.none import NoneLogin
from engine.auth.platform import PlatformAuth
from engine.auth.sessions import issue_session, revoke_session
from engine.crypto import Cipher
from engine.errors import BadRequest, InternalError, StoreError
from engine.store import Store
from engine.surface.cookies import (
    LOGIN_STATE_COOKIE,
    SESSION_COOKIE,
    check_login_state,
    cleared_cookie,
    login_state_cookie,
    session_cookie,
)
from engine.surface.json_body import optional_int, optional_str, read_json_object
from engine.surface.runtime import Runtime
from engine.web.dependencies import RuntimeDep
from engine.web.tokens import created_json, store_of, token_expiry

CLI_TOKEN_NAME = "cli-token"


def platform_auth(runtime: Runtime) -> PlatformAuth:
    auth = runtime.authenticator
    if isinstance(auth, PlatformAuth):
        return auth
    return PlatformAuth(
        NoneLogin(), auth, secure_cookies=runtime.config.server.base_url.startswith("https://")
    )


def cipher_of(runtime: Runtime) -> Cipher:
    if runtime.cipher is None:
        raise InternalError("encryption is not configured")
    return runtime.cipher


@get("/auth/info")
async def auth_info(runtime: RuntimeDep) -> dict[str, str]:
    login = platform_auth(runtime).login
    return {"provider": login.name, "display_name": login.display_name or login.name}


@post("/auth/login", status_code=200)
async def start_login(request: Request[Any, Any, Any], runtime: RuntimeDep) -> Response[dict[str, str]]:
    body = await read_json_object(request)
    port = optional_int(body, "callback_port")
    state = optional_str(body, "state") or secrets.token_urlsafe(16)
    auth = platform_auth(runtime)
    start = await auth.login.begin(
        LoginRequest(
            state=state,
            callback_port=port if port is not None and 1 <= port <= 65535 else None,
            password=optional_str(body, "password"),
        )
    )
    state_cookie = login_state_cookie(cipher_of(runtime), state, auth.secure_cookies)
    if start.identity is None:
        return Response({"url": start.url}, cookies=[state_cookie])
    store = store_of(runtime)
    session = await issue_session_cookie(store, auth, await user_for(store, start.identity))
    payload = {"url": start.url, "display_name": start.identity.display_name, "email": start.identity.email}
    return Response(payload, cookies=[session, state_cookie])


@get("/auth/login/callback")
async def login_callback(request: Request[Any, Any, Any], runtime: RuntimeDep) -> Response[dict[str, Any]]:
    # Read by hand: ``state`` is a reserved handler parameter name in Litestar.
    code, state = request.query_params.get("code", ""), request.query_params.get("state", "")
    cli = request.query_params.get("cli", "")
    if not code:
        raise BadRequest("missing code parameter")
    auth = platform_auth(runtime)
    result = await auth.login.complete(code, state)
    check_login_state(cipher_of(runtime), request.cookies.get(LOGIN_STATE_COOKIE, ""), result.client_state)
    store = store_of(runtime)
    user_id = await user_for(store, result.identity)
    cleared = cleared_cookie(LOGIN_STATE_COOKIE, auth.secure_cookies)
    if cli == "1":
        return Response(await _cli_token(store, runtime, user_id), cookies=[cleared])
    session = await issue_session_cookie(store, auth, user_id)
    identity = {"display_name": result.identity.display_name, "email": result.identity.email}
    if result.return_to:
        return _back_to(request, identity, result.return_to, [session, cleared])
    return Response(identity, cookies=[session, cleared])


def _back_to(
    request: Request[Any, Any, Any], identity: dict[str, Any], path: str, cookies: list[Cookie]
) -> Response[dict[str, Any]]:
    """A login another flow started (an OAuth authorization): a browser landing here goes back to
    it; a client page calling this with fetch gets the path to go to."""
    if "text/html" in request.headers.get("accept", ""):
        return Response({}, status_code=303, headers={"Location": path}, cookies=cookies)
    return Response({**identity, "return_to": path}, cookies=cookies)


@post("/auth/logout", status_code=200)
async def logout(request: Request[Any, Any, Any], runtime: RuntimeDep) -> Response[dict[str, str]]:
    """Revoke the caller's session (cookie or ``Bearer gst_ses_…``) and clear the cookie."""
    auth = platform_auth(runtime)
    scheme, _, bearer = request.headers.get("authorization", "").partition(" ")
    tokens = {request.cookies.get(SESSION_COOKIE, ""), bearer.strip() if scheme.lower() == "bearer" else ""}
    if runtime.store is not None:
        for token in tokens - {""}:
            await revoke_session(runtime.store, token)
            auth.forget(token=token)
    return Response({"status": "ok"}, cookies=[cleared_cookie(SESSION_COOKIE, auth.secure_cookies)])


async def user_for(store: Store, identity: Identity) -> str:
    try:
        return (await store.find_or_create_user(identity.email, identity.display_name)).id
    except StoreError as exc:
        raise InternalError("failed to resolve user") from exc


async def issue_session_cookie(store: Store, auth: PlatformAuth, user_id: str) -> Cookie:
    try:
        issued = await issue_session(store, user_id, auth.session_ttl)
    except StoreError as exc:
        raise InternalError("failed to issue session token") from exc
    return session_cookie(issued.token, issued.ttl, auth.secure_cookies)


async def _cli_token(store: Store, runtime: Runtime, user_id: str) -> dict[str, Any]:
    """The CLI's unscoped token; unlike the reference it expires like any other (``api_token_ttl``)."""
    try:
        minted = await mint(store, user_id, CLI_TOKEN_NAME, (), token_expiry(runtime))
    except StoreError as exc:
        raise InternalError("failed to issue CLI API token") from exc
    return created_json(minted.record, minted.plaintext)


def auth_router() -> Router:
    return Router(path="/api/v1", route_handlers=[auth_info, start_login, login_callback, logout])
