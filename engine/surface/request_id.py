"""``X-Request-Id`` on every response: the caller's when valid, else a new one
(``telemetry.request_id``), set for the request's logs and audit record while it is served."""

from __future__ import annotations

from collections.abc import Iterable
from typing import cast

from litestar.types import HTTPResponseStartEvent, Message, Scope, Send

from engine.telemetry.request_id import HEADER, REQUEST_ID, accepted_or_new

_START = "http.response.start"


def incoming(headers: Iterable[tuple[bytes, bytes]]) -> bytes | None:
    for key, value in headers:
        if key == HEADER:
            return value
    return None


def tagged(send: Send, request_id: str) -> Send:
    """``send`` with the request id added to the response's headers."""
    pair = (HEADER, request_id.encode("latin-1"))

    async def send_tagged(message: Message) -> None:
        if message["type"] == _START:
            start = cast("HTTPResponseStartEvent", message)
            headers = start.get("headers")
            if isinstance(headers, list):
                headers.append(pair)
            else:
                start["headers"] = [*(headers or ()), pair]
        await send(message)

    return send_tagged


class RequestIdScope:
    """Serves one HTTP request with its id set: ``with RequestIdScope(scope, send) as send:``."""

    __slots__ = ("_scope", "_send", "_token")

    def __init__(self, scope: Scope, send: Send) -> None:
        self._scope = scope
        self._send = send

    def __enter__(self) -> Send:
        request_id = accepted_or_new(incoming(self._scope["headers"]))
        self._token = REQUEST_ID.set(request_id)
        return tagged(self._send, request_id)

    def __exit__(self, *exc: object) -> None:
        REQUEST_ID.reset(self._token)
