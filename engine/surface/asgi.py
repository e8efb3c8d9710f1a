"""Small raw-ASGI helpers shared by the bare endpoints (invoke, /mcp): read a bounded body,
read headers, write a complete response."""

from __future__ import annotations

from collections.abc import Iterable
from typing import cast

from litestar.types import HTTPResponseBodyEvent, HTTPResponseStartEvent, HTTPScope, Receive, Scope, Send

from engine.errors import InvalidJSONBody

MAX_BODY = 1 << 20


async def send_response(send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    headers.append((b"content-length", str(len(body)).encode()))
    start: HTTPResponseStartEvent = {"type": "http.response.start", "status": status, "headers": headers}
    await send(start)
    chunk: HTTPResponseBodyEvent = {"type": "http.response.body", "body": body, "more_body": False}
    await send(chunk)


async def read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise InvalidJSONBody()
        chunk = cast(bytes, message.get("body", b""))
        size += len(chunk)
        if size > MAX_BODY:
            raise InvalidJSONBody()
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
