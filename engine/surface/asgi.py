"""Small raw-ASGI helpers shared by the bare endpoints (invoke, /mcp): read a bounded body,
read headers, write a complete response."""

from __future__ import annotations

from collections.abc import Iterable
from typing import cast

from litestar.types import HTTPResponseBodyEvent, HTTPResponseStartEvent, HTTPScope, Receive, Scope, Send

from engine.errors import GestaltError, InvalidJSONBody, PayloadTooLarge

MAX_BODY = 1 << 20


async def send_response(send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    headers.append((b"content-length", str(len(body)).encode()))
    start: HTTPResponseStartEvent = {"type": "http.response.start", "status": status, "headers": headers}
    await send(start)
    chunk: HTTPResponseBodyEvent = {"type": "http.response.body", "body": body, "more_body": False}
    await send(chunk)


async def read_body(receive: Receive) -> bytes:
    """The whole body (up to 1 MiB: past it, and for a client gone early, ``InvalidJSONBody``)."""
    return await _read(receive, MAX_BODY, InvalidJSONBody)


async def read_body_within(receive: Receive, limit: int) -> bytes:
    """The whole body, or ``PayloadTooLarge`` as soon as it passes ``limit`` bytes (nothing more
    is read); a client gone before the end is ``InvalidJSONBody``."""
    return await _read(receive, limit, PayloadTooLarge)


async def _read(receive: Receive, limit: int, too_large: type[GestaltError]) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise InvalidJSONBody()
        chunk = cast(bytes, message.get("body", b""))
        size += len(chunk)
        if size > limit:
            raise too_large()
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def header(headers: Iterable[tuple[bytes, bytes]], name: bytes) -> str:
    for key, value in headers:
        if key == name:
            return value.decode("latin-1")
    return ""


def client_ip(scope: Scope) -> str:
    forwarded = header(scope["headers"], b"x-forwarded-for")
    if forwarded:
        return forwarded.split(",")[0].strip()
    client = scope.get("client")
    return client[0] if client else ""


def method_of(scope: Scope) -> str:
    return cast("HTTPScope", scope)["method"]
