"""The one place where engine errors become HTTP responses.

Client-visible messages are the errors' stable ``public_message``; anything unexpected is logged
(type only, never values) and answered with 500 ``internal error``.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, NotFoundException, ValidationException

from engine.auth.oauth_server.endpoints import RESOURCE_METADATA_PATH
from engine.errors import GestaltError, OAuthProtocolError, UpstreamHTTPError
from engine.surface.challenge import challenge
from engine.surface.public_url import public_base

_log = logging.getLogger("gestalt.web")
JSON = "application/json"


def error_body(message: str) -> bytes:
    return json.dumps({"error": message}, separators=(",", ":")).encode() + b"\n"


def render_error(exc: BaseException) -> tuple[int, str, bytes]:
    """(status, content type, body) for any exception raised while serving a request."""
    if isinstance(exc, UpstreamHTTPError):
        return exc.status, exc.content_type, exc.body
    if isinstance(exc, OAuthProtocolError):  # the OAuth endpoints' own shape (RFC 6749 §5.2)
        return exc.status, JSON, _oauth_error_body(exc)
    if isinstance(exc, GestaltError):
        if exc.status >= 500:
            _log.warning(
                "request failed", extra={"fields": {"error": type(exc).__name__, "cause": _cause(exc)}}
            )
        return exc.status, JSON, error_body(exc.public_message)
    _log.error("unhandled error", extra={"fields": {"error": type(exc).__name__}})
    return 500, JSON, error_body("internal error")


def _oauth_error_body(exc: OAuthProtocolError) -> bytes:
    body = {"error": exc.code, "error_description": exc.public_message}
    return json.dumps(body, separators=(",", ":")).encode() + b"\n"


def _cause(exc: BaseException) -> str:
    cause = exc.__cause__
    return type(cause).__name__ if cause is not None else ""


def gestalt_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[bytes]:
    status, content_type, body = render_error(exc)
    return Response(body, status_code=status, media_type=content_type, headers=api_challenge(request, exc))


def api_challenge(request: Request[Any, Any, Any], exc: BaseException) -> dict[str, str]:
    """The API's ``WWW-Authenticate`` for an authentication failure: its resource is the server."""
    base = public_base(str(request.app.state.get("base_url", "")), request.scope)
    found = challenge(exc, base + RESOURCE_METADATA_PATH)
    return {found[0].decode(): found[1].decode("latin-1")} if found else {}


def http_exception_handler(_: Request[Any, Any, Any], exc: HTTPException) -> Response[bytes]:
    status = exc.status_code
    if isinstance(exc, ValidationException):
        message = "invalid JSON body" if "body" in str(exc.detail).lower() else str(exc.detail)
        status = 400
    elif isinstance(exc, NotFoundException):
        message = "not found"
    elif status == 405:
        message = "method not allowed"
    elif status == 413:
        status, message = 400, "invalid JSON body"
    else:
        message = str(exc.detail) if status < 500 else "internal error"
    headers = dict(exc.headers or {})
    return Response(error_body(message), status_code=status, media_type=JSON, headers=headers)


def internal_error_handler(_: Request[Any, Any, Any], exc: Exception) -> Response[bytes]:
    status, content_type, body = render_error(exc)
    return Response(body, status_code=status, media_type=content_type)
