"""Integration OAuth routes (reference http-api §5.2, §5.3): start the flow, complete it.

``start-oauth`` answers the authorization URL with a sealed, single-use ``state`` bound to the
caller's user id and, when a page asked, to its browser (the ``oauth_binding`` cookie set with
the answer).
The public ``callback`` trusts only that state. When its browser vouches for the flow (it started
it, or is signed in as the user who did) the code is exchanged and the tokens stored (after
discovery, ``web/post_connect.py``), then the browser is redirected to the integrations page or
shown the page to choose a discovered candidate. Any other browser is asked to confirm the account
first (``web/connect_confirm.py``): a forwarded authorization link cannot plant the approver's
tokens in the sender's account.
"""

from __future__ import annotations

import dataclasses
from typing import Any
from urllib.parse import quote

from litestar import Request, Response, get, post

from engine.auth.connect_binding import binding_digest, new_nonce
from engine.auth.oauth_state import OAuthState, open_state, seal_state
from engine.errors import BadRequest, InvalidJSONBody
from engine.invocation.connection_target import choose_instance, validate_params
from engine.surface.cookies import OAUTH_BINDING_COOKIE, cleared_cookie, oauth_binding_cookie
from engine.surface.cross_site import Signals
from engine.surface.json_body import optional_str, read_json_object
from engine.web.auth_routes import cipher_of
from engine.web.connect_confirm import ask_to_confirm, browser_vouches
from engine.web.connection_requests import connections_of, params_of, provider_for
from engine.web.dependencies import PrincipalDep, RuntimeDep
from engine.web.oauth_completion import complete_flow, oauth_target
from engine.web.pending_routes import selection_response


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
) -> Response[dict[str, str]]:
    body = await read_json_object(request)
    provider = provider_for(runtime, principal, optional_str(body, "integration"))
    service = connections_of(runtime)
    connection, client = await oauth_target(service, provider, optional_str(body, "connection"))
    user_id = await service.user_id(principal)
    instance = choose_instance(optional_str(body, "instance"))
    params = validate_params(connection, params_of(body))
    verifier = client.new_verifier()
    flow = OAuthState(user_id, provider.name, connection.name, instance, verifier, params)
    # Only a page is bound by cookie: a script has no browser to bind, and would send the cookie
    # back on its next POST without the Origin the perimeter then asks for.
    nonce = new_nonce() if Signals.of(request.scope["headers"]).from_page else ""
    if nonce:
        flow = dataclasses.replace(flow, binding=binding_digest(nonce))
    state = seal_state(cipher_of(runtime), flow)
    url = client.authorization_url(state, verifier, scopes_of(body), params)
    cookies = [oauth_binding_cookie(nonce, runtime.config.server.https)] if nonce else []
    return Response({"url": url, "state": state}, status_code=200, cookies=cookies)


@get("/auth/callback")
async def oauth_callback(request: Request[Any, Any, Any], runtime: RuntimeDep) -> Response[bytes]:
    # Read by hand: ``state`` is a reserved handler parameter name in Litestar.
    code, sealed = request.query_params.get("code", ""), request.query_params.get("state", "")
    if not code or not sealed:
        raise BadRequest("missing code or state parameter")
    state = await open_state(cipher_of(runtime), connections_of(runtime).store, sealed)
    if not await browser_vouches(request, runtime, state):
        return await ask_to_confirm(runtime, state, code)
    selection = await complete_flow(runtime, state, code)
    if selection is not None:
        return selection_response(runtime, selection)
    location = "/integrations?connected=" + quote(state.integration, safe="")
    cleared = cleared_cookie(OAUTH_BINDING_COOKIE, runtime.config.server.https)
    return Response(b"", status_code=303, headers={"Location": location}, cookies=[cleared])
