"""The app a serving worker starts with: the port is open while the providers are still built.

``gestaltd serve`` does the quick part of start-up before Granian forks (config, keys, store and
login settings: every config error is printed before anything listens) and hands the rest, the
providers (which may read slow remote documents) and the gateway on them, to this gate. At
lifespan startup the gate builds them in a thread and then runs the built gateway's own lifespan
startup; until both are done it answers ``/health`` 200, ``/ready`` 503 ``{"status": "providers
loading"}`` and every other route 503 ``{"error": "service starting"}`` (spec §4), each after the
same request perimeter the gateway applies (a wrong ``Host`` is refused while starting too) and
with an ``X-Request-Id``, as the gateway's.

From then on every request goes straight to the built gateway: ``__call__`` is not a coroutine
but hands back the current dispatcher's, so the one cost on the hot path is reading ``_dispatch``.
A build that fails goes to ``on_failure`` (``serve`` prints it and stops the process).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from litestar.types import ASGIApp, Receive, Scope, Send

from engine.config.spec import ConfigSpec
from engine.errors import GestaltError, NotReady
from engine.surface.asgi import send_response
from engine.surface.errors import error_body, render_error
from engine.surface.perimeter import Perimeter
from engine.surface.request_id import RequestIdScope
from engine.surface.security import security_headers
from engine.web.gateway import GatewayApp

_log = logging.getLogger("gestalt.serve")
LOADING = "providers loading"
FAILED = "providers failed to build"
_JSON = (b"content-type", b"application/json")


def _log_failure(exc: BaseException) -> None:
    _log.error(FAILED, extra={"fields": {"error": f"{type(exc).__name__}: {exc}"}})


class StartupGate:
    def __init__(
        self,
        config: ConfigSpec,
        build: Callable[[], GatewayApp],
        on_failure: Callable[[BaseException], None] = _log_failure,
    ) -> None:
        self.config = config
        self.perimeter = Perimeter(config.server)
        self.gateway: GatewayApp | None = None
        self._build = build
        self._on_failure = on_failure
        self._dispatch: ASGIApp = self._starting
        self._reason = LOADING
        self._headers = list(security_headers(config.server.base_url.startswith("https://")))
        self._inner: _InnerLifespan | None = None
        self._task: asyncio.Task[None] | None = None

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        return self._dispatch(scope, receive, send)

    async def _starting(self, scope: Any, receive: Receive, send: Send) -> None:
        # Any: Litestar's Scope type leaves out the lifespan scope this handles too.
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif scope["type"] == "http":
            with RequestIdScope(scope, send) as tagged:
                await self._answer_starting(scope, tagged)

    async def _lifespan(self, receive: Receive, send: Any) -> None:
        await receive()  # lifespan.startup: answered at once, the build goes on behind it
        self._task = asyncio.create_task(self._start())
        await send({"type": "lifespan.startup.complete"})
        await receive()  # lifespan.shutdown
        if not self._task.done():
            self._task.cancel()
        if self._inner is not None:
            await self._inner.shutdown()
        await send({"type": "lifespan.shutdown.complete"})

    async def _start(self) -> None:
        try:
            gateway = await asyncio.to_thread(self._build)
            self._inner = _InnerLifespan(gateway)
            await self._inner.startup()
        except Exception as exc:  # reported by /ready until on_failure has stopped the server
            self._reason = FAILED
            self._on_failure(exc)
            return
        self.gateway = gateway
        self._dispatch = gateway

    async def _answer_starting(self, scope: Scope, send: Send) -> None:
        try:
            self.perimeter.admit(scope)
        except GestaltError as exc:
            status, content_type, body = render_error(exc)
            headers = [(b"content-type", content_type.encode()), *self._headers]
            await send_response(send, status, headers, body)
            return
        path = scope["path"]
        if path == "/health":
            await send_response(send, 200, [_JSON, *self._headers], _status("ok"))
        elif path == "/ready":
            await send_response(send, 503, [_JSON, *self._headers], _status(self._reason))
        else:
            headers = [_JSON, (b"retry-after", b"1"), *self._headers]
            await send_response(send, 503, headers, error_body(NotReady().public_message))


def _status(text: str) -> bytes:
    return json.dumps({"status": text}, separators=(",", ":")).encode()


class _InnerLifespan:
    """Drives the built gateway's lifespan (Litestar's startup and shutdown hooks: migrations,
    closing the store) from inside the gate's own, which the server has already completed."""

    def __init__(self, app: GatewayApp) -> None:
        self._app = app
        # Lifespan messages only; Litestar's Message union has no narrower type for them.
        self._inbox: asyncio.Queue[Any] = asyncio.Queue()
        self._outbox: asyncio.Queue[Any] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    async def startup(self) -> None:
        scope: Any = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
        self._task = asyncio.create_task(self._app(scope, self._inbox.get, self._outbox.put))
        await self._step("lifespan.startup")

    async def shutdown(self) -> None:
        if self._task is not None and not self._task.done():
            await self._step("lifespan.shutdown")
            await self._task

    async def _step(self, event: str) -> None:
        await self._inbox.put({"type": event})
        answer = await self._outbox.get()
        if answer["type"] != f"{event}.complete":
            raise RuntimeError(f"{event} failed: {answer.get('message', '')}")
