"""``POST /api/v1/auth/pending-connection`` (http-api §5.6): choose a discovered candidate.

A public route with its own authorisation: with platform auth ``none`` anyone may choose; a
signed-in caller (``session_token`` cookie, else a bearer token) must be the user who connected;
anyone else must present the ``pending_connection_state`` cookie the selection page set. Unlike
the reference, a token is accepted once (spec §3): it is consumed when a choice is stored.

The body is a form (the selection page) or JSON (API clients). Form choices answer like the
browser flow they continue (303 to the integrations page when signed in, else a success page);
JSON choices answer ``{"status": "connected", ...}``.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from litestar import Request, Response, post
from litestar.datastructures import Cookie
from litestar.exceptions import HTTPException

from engine.errors import (
    BadRequest,
    CandidateNotFound,
    ExpiredPendingConnection,
    InternalError,
    InvalidCandidateIndex,
    InvalidFormBody,
    InvalidJSONBody,
    InvalidToken,
    PendingConnectionNotFound,
    ScopeDenied,
    Unauthorized,
)
from engine.invocation.pending_connection import PendingConnection, consume_pending, open_pending
from engine.surface.cookies import PENDING_COOKIE, check_pending_cookie, cleared_cookie, pending_cookie
from engine.surface.credentials import credentials_from_headers
from engine.surface.errors import render_error
from engine.surface.runtime import Runtime
from engine.web.auth_routes import cipher_of
from engine.web.connection_requests import connections_of
from engine.web.dependencies import RuntimeDep
from engine.web.pages import connected_page, html_response, integrations_url, selection_page
from engine.web.post_connect import SelectionRequired, connected_json, with_candidate


@post("/auth/pending-connection", status_code=200)
async def choose_pending_connection(request: Request[Any, Any, Any], runtime: RuntimeDep) -> Response[Any]:
    form, is_json = await read_choice(request)
    sealed = text_field(form, "pending_token")
    if not sealed:
        raise BadRequest("pending_token is required")
    try:
        pending = open_pending(cipher_of(runtime), sealed)
    except ExpiredPendingConnection as exc:
        status, content_type, body = render_error(exc)
        return Response(body, status_code=status, media_type=content_type, cookies=[_cleared(runtime)])
    await authorize(request, runtime, pending)
    index = chosen_index(form, pending)
    if index is None:
        return _selection(runtime, SelectionRequired(sealed, pending), is_json)
    data = with_candidate(pending.credential, pending.candidates[index])
    service = connections_of(runtime)
    await consume_pending(service.store, sealed)
    await service.save(data)
    return _connected(request, runtime, data.integration, is_json)


async def read_choice(request: Request[Any, Any, Any]) -> tuple[dict[str, Any], bool]:
    """(fields, is JSON): a JSON object body, else form fields."""
    try:
        raw = await request.body()
    except HTTPException as exc:  # over the 1 MiB body limit
        raise InvalidFormBody() from exc
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media_type == "application/json":
        try:
            doc = json.loads(raw) if raw else {}
        except ValueError:
            raise InvalidJSONBody() from None
        if not isinstance(doc, dict):
            raise InvalidJSONBody()
        return doc, True
    try:
        return dict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True)), False
    except (UnicodeDecodeError, ValueError):
        raise InvalidFormBody() from None


def text_field(form: dict[str, Any], key: str) -> str:
    value = form.get(key)
    if value is None:
        return ""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise InvalidJSONBody()
    return value.strip()


async def authorize(request: Request[Any, Any, Any], runtime: Runtime, pending: PendingConnection) -> None:
    if runtime.config.auth.provider == "none":
        return
    authorization, session = credentials_from_headers(request.scope["headers"])
    if not session and not authorization:
        cookie = request.cookies.get(PENDING_COOKIE, "")
        check_pending_cookie(cipher_of(runtime), cookie, pending.binding)
        return
    service = connections_of(runtime)
    try:
        principal = await runtime.authenticator.authenticate("" if session else authorization, session)
        user_id = await service.user_id(principal)
    except Unauthorized as exc:
        raise InvalidToken() from exc
    except InternalError as exc:
        raise InternalError("failed to validate pending connection") from exc
    if user_id != pending.credential.user_id:
        raise PendingConnectionNotFound()
    if not principal.may_use(pending.credential.integration):
        raise ScopeDenied(pending.credential.integration)


def chosen_index(form: dict[str, Any], pending: PendingConnection) -> int | None:
    """``candidate_index`` (0-based; wins), else ``candidate_id``; None when neither is given."""
    index, ident = text_field(form, "candidate_index"), text_field(form, "candidate_id")
    if index:
        try:
            position = int(index)
        except ValueError:
            raise InvalidCandidateIndex() from None
        if not 0 <= position < len(pending.candidates):
            raise CandidateNotFound()
        return position
    if ident:
        for position, candidate in enumerate(pending.candidates):
            if candidate.id == ident:
                return position
        raise CandidateNotFound()
    return None


def _selection(runtime: Runtime, selection: SelectionRequired, is_json: bool) -> Response[Any]:
    if is_json:
        return Response(selection.as_json(), status_code=200)
    return selection_response(runtime, selection)


def selection_response(runtime: Runtime, selection: SelectionRequired) -> Response[bytes]:
    """The selection page, binding this browser to the pending connection."""
    pending = selection.pending
    page = selection_page(pending.credential.integration, selection.token, pending.candidates)
    cookie = pending_cookie(cipher_of(runtime), pending.binding, _secure(runtime))
    return html_response(page, [cookie])


def _connected(
    request: Request[Any, Any, Any], runtime: Runtime, integration: str, is_json: bool
) -> Response[Any]:
    if is_json:
        return Response(connected_json(integration), status_code=200)
    cleared = _cleared(runtime)
    if "session_token" in request.cookies:
        headers = {"Location": integrations_url(integration)}
        return Response(b"", status_code=303, headers=headers, cookies=[cleared])
    return html_response(connected_page(integration), [cleared])


def _cleared(runtime: Runtime) -> Cookie:
    return cleared_cookie(PENDING_COOKIE, _secure(runtime))


def _secure(runtime: Runtime) -> bool:
    return runtime.config.server.https
