"""``GET|POST /api/v1/{integration}/{operation}``: the hot path, as a bare ASGI endpoint.

``web/gateway.py`` sends each compiled operation's exact path here without going through
Litestar, whose full handler machinery costs about 60 µs a request, more than the rest of the
gateway together. A Litestar catch-all route uses the same endpoint for anything else, so unknown
integrations and operations get the broker's 404s.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any
from urllib.parse import parse_qsl

from litestar import Request, Response, route
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath
from litestar.types import Receive, Scope, Send

from engine.auth.authenticator import Authenticator
from engine.auth.oauth_server.endpoints import RESOURCE_METADATA_PATH
from engine.errors import BadRequest, InvalidJSONBody
from engine.invocation.broker import Broker, Invocation
from engine.surface.asgi import client_ip, header, method_of, read_body, send_response
from engine.surface.challenge import challenge
from engine.surface.credentials import credentials_from_headers
from engine.surface.cross_site import require_json
from engine.surface.errors import JSON, error_body, render_error
from engine.surface.perimeter import Perimeter
from engine.surface.public_url import public_base

DRY_RUN = "_dry_run"
_DRY_RUN_KEY = DRY_RUN.encode()
_ALLOW = [(b"allow", b"GET, POST"), (b"content-type", JSON.encode())]


class InvokeEndpoint:
    """Shared by every invoke route: authenticate, parse, call the broker, write the result."""

    def __init__(
        self,
        broker: Broker,
        authenticator: Authenticator,
        perimeter: Perimeter,
        extra_headers: Sequence[tuple[bytes, bytes]] = (),
        base_url: str = "",
    ) -> None:
        self.broker = broker
        self.authenticator = authenticator
        self.perimeter = perimeter
        self.extra_headers = list(extra_headers)  # set when serving outside Litestar's before_send
        self.base_url = base_url

    async def __call__(
        self, scope: Scope, receive: Receive, send: Send, integration: str, operation: str
    ) -> None:
        if method_of(scope) not in ("GET", "POST"):
            await send_response(send, 405, [*_ALLOW, *self.extra_headers], error_body("method not allowed"))
            return
        status, content_type, body, extra = await self.respond(scope, receive, integration, operation)
        headers = [(b"content-type", content_type.encode("latin-1")), *extra, *self.extra_headers]
        await send_response(send, status, headers, body)

    async def respond(
        self, scope: Scope, receive: Receive, integration: str, operation: str
    ) -> tuple[int, str, bytes, list[tuple[bytes, bytes]]]:
        """(status, content type, body, headers) of one invocation; errors mapped in
        ``surface.errors``, an authentication failure challenged (``surface.challenge``)."""
        try:
            call = await self._invocation(scope, receive, method_of(scope), integration, operation)
            result = await self.broker.invoke(call)
        except Exception as exc:  # noqa: BLE001 - mapped to a response in exactly one place
            status, content_type, body = render_error(exc)
            found = challenge(exc, public_base(self.base_url, scope) + RESOURCE_METADATA_PATH)
            return status, content_type, body, [found] if found else []
        return result.status, result.content_type or JSON, result.body, []

    async def _invocation(
        self, scope: Scope, receive: Receive, method: str, integration: str, operation: str
    ) -> Invocation:
        headers = scope["headers"]
        if method == "GET" and not self.broker.read_only(integration, operation):
            # A link or redirect is a GET too: the gateway's perimeter lets every GET by.
            self.perimeter.refuse_cross_site(scope)
        if method != "GET":
            require_json(headers)
        authorization, cookie = credentials_from_headers(headers)
        principal = await self.authenticator.authenticate(authorization, cookie)
        query_string: bytes = scope["query_string"]
        if method == "GET":
            args, from_query = _query_args(query_string), True
            dry_run = args.pop(DRY_RUN, None)
        else:
            args, from_query = _json_args(await read_body(receive)), False
            # A POST's parameters are its body; ``?_dry_run=1`` is the one query flag it reads.
            dry_run = _query_args(query_string).get(DRY_RUN) if _DRY_RUN_KEY in query_string else None
        instance = args.pop("_instance", None)
        connection = args.pop("_connection", None)
        return Invocation(
            principal=principal,
            integration=integration,
            operation=operation,
            args=args,
            from_query=from_query,
            instance=_first_str(instance),
            connection=_first_str(connection),
            client_ip=client_ip(scope),
            user_agent=header(headers, b"user-agent"),
            dry_run=_flag(_first_str(dry_run)),
        )


def fallback_route(endpoint: InvokeEndpoint) -> HTTPRouteHandler:
    """Unknown integration or operation: the broker answers with its 404s (or 401 first)."""

    async def handle(
        request: Request[Any, Any, Any], integration: FromPath[str], operation: FromPath[str]
    ) -> Response[bytes]:
        status, content_type, body, extra = await endpoint.respond(
            request.scope, request.receive, integration, operation
        )
        headers = {k.decode(): v.decode("latin-1") for k, v in extra}
        return Response(body, status_code=status, media_type=content_type, headers=headers)

    return route(
        "/api/v1/{integration:str}/{operation:str}", http_method=["GET", "POST"], name="invoke:fallback"
    )(handle)


def _json_args(body: bytes) -> dict[str, Any]:
    try:
        doc = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise InvalidJSONBody() from None
    if doc is None:
        return {}
    if not isinstance(doc, dict):
        raise InvalidJSONBody()
    return doc


def _query_args(query_string: bytes) -> dict[str, Any]:
    args: dict[str, Any] = {}
    for key, value in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True):
        if key in args:
            prev = args[key]
            args[key] = [*prev, value] if isinstance(prev, list) else [prev, value]
        else:
            args[key] = value
    return args


def _flag(value: str | None) -> bool:
    if value is None or value.lower() in ("", "0", "false"):
        return False
    if value.lower() in ("1", "true"):
        return True
    raise BadRequest(f"{DRY_RUN} must be 1 or 0")


def _first_str(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    return value if isinstance(value, str) else None
