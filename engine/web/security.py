"""Security headers on every response, as an outer ASGI wrapper (it sees 404s and 405s too)."""

from __future__ import annotations

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

BASE_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
)
HSTS = (b"strict-transport-security", b"max-age=63072000; includeSubDomains")


def security_headers(https: bool) -> tuple[tuple[bytes, bytes], ...]:
    return (*BASE_HEADERS, HSTS) if https else BASE_HEADERS


class SecurityHeaders:
    def __init__(self, app: ASGIApp, https: bool) -> None:
        self.app = app
        self.extra = list(security_headers(https))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        extra = self.extra

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)
