"""An integration OAuth callback that arrives in a browser the flow is not bound to
(``auth/connect_binding.py``): nothing is exchanged or stored; a page names the account the
credential would be stored under and asks. ``POST /api/v1/auth/callback/confirm`` takes the
answer: ``confirmation`` (the page's handle, which with the ``oauth_confirm`` cookie is the form's
token against forgery: nothing else can produce the pair) and ``decision`` (``connect`` or
``cancel``). The perimeter has already refused a cross-site post.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, post

from engine.auth.connect_binding import Confirmation, hold, started_here, take
from engine.auth.oauth_state import OAuthState
from engine.errors import (
    BadRequest,
    ForeignConnectConfirmation,
    InternalError,
    InvalidConnectConfirmation,
    InvalidOAuthState,
    StoreError,
    Unauthorized,
)
from engine.surface.cookies import (
    OAUTH_BINDING_COOKIE,
    OAUTH_CONFIRM_COOKIE,
    oauth_confirm_cookie,
)
from engine.surface.credentials import credentials_from_headers
from engine.surface.form_body import read_form, single
from engine.surface.runtime import Runtime
from engine.web.connection_requests import connections_of
from engine.web.dependencies import RuntimeDep
from engine.web.oauth_completion import complete_flow
from engine.web.pages import cancelled_page, confirm_page, connected_page, html_response
from engine.web.pending_routes import selection_response

CONFIRM_PATH = "/api/v1/auth/callback/confirm"
_DECISIONS = frozenset({"connect", "cancel"})


async def browser_vouches(request: Request[Any, Any, Any], runtime: Runtime, state: OAuthState) -> bool:
    """Whether the callback's browser started the flow, or is signed in as the user who did."""
    if started_here(state, request.cookies.get(OAUTH_BINDING_COOKIE, "")):
        return True
    _, session = credentials_from_headers(request.scope["headers"])
    service = connections_of(runtime)
    try:
        principal = await runtime.authenticator.authenticate("", session)
        return await service.user_id(principal) == state.user_id
    except Unauthorized:
        return False


async def ask_to_confirm(runtime: Runtime, state: OAuthState, code: str) -> Response[bytes]:
    """Keep the callback for this browser and show the page that asks."""
    store = connections_of(runtime).store
    try:
        user = await store.get_user(state.user_id)
        if user is None:
            raise InvalidOAuthState()
        handle, nonce = await hold(store, Confirmation(state, code))
    except StoreError as exc:
        raise InternalError("failed to hold the connection for confirmation") from exc
    page = confirm_page(state.integration, user.email, handle, CONFIRM_PATH)
    return html_response(page, [oauth_confirm_cookie(nonce, runtime.config.server.https)])


@post("/auth/callback/confirm", status_code=200)
async def confirm_connection(request: Request[Any, Any, Any], runtime: RuntimeDep) -> Response[Any]:
    form = await read_form(request)
    handle, decision = single(form, "confirmation"), single(form, "decision")
    if not handle:
        raise BadRequest("confirmation is required")
    if decision not in _DECISIONS:
        raise BadRequest('decision must be "connect" or "cancel"')
    nonce = request.cookies.get(OAUTH_CONFIRM_COOKIE, "")
    if not nonce:
        raise ForeignConnectConfirmation()
    try:
        confirmation = await take(connections_of(runtime).store, handle, nonce)
    except StoreError as exc:
        raise InternalError("failed to read the connection confirmation") from exc
    if confirmation is None:
        raise InvalidConnectConfirmation()
    # The cookie stays until it expires: a second post from this browser is then told the
    # confirmation was used, not that it came from elsewhere.
    integration = confirmation.state.integration
    if decision == "cancel":
        return html_response(cancelled_page(integration))
    selection = await complete_flow(runtime, confirmation.state, confirmation.code)
    if selection is not None:
        return selection_response(runtime, selection)
    return html_response(connected_page(integration))
