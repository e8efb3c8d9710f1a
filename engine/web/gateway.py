"""The ASGI entry point served by Granian: compiled invoke routes and mounted endpoints go
straight to their endpoint.

Every HTTP request first passes the request perimeter (``surface/perimeter.py``: the Host, and
no cross-site writes), whichever surface serves it. Litestar still owns every other route (the
OpenAPI document, 404/405, the other APIs); this thin dispatcher only skips its router,
middleware stack and ``before_send`` hook for the exact paths of compiled operations and of
endpoints other surfaces serve (``/mcp``, the bindings under ``/api/v1/bindings/``), which is
most of a gateway's traffic. Measured with
``bench/``; those endpoints add the security headers themselves. ``engine.bootstrap.build_gateway``
builds each endpoint once and hands it here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from litestar import Litestar
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Receive, Scope, Send

from engine.config.spec import ConfigSpec
from engine.errors import GestaltError
from engine.providers.model import Provider
from engine.surface.asgi import send_response
from engine.surface.errors import render_error
from engine.surface.perimeter import Perimeter
from engine.surface.request_id import RequestIdScope
from engine.telemetry import otel
from engine.web.app import litestar_routes
from engine.web.invoke import InvokeEndpoint

Row = tuple[str, str, str]


class Mount:
    """An endpoint another surface serves at one exact path, any method (``/mcp``), or at every
    path below a prefix ending in ``/`` (the bindings, which list their own routes in ``rows``)."""

    __slots__ = ("endpoint", "name", "path", "rows")

    def __init__(
        self, path: str, name: str, endpoint: ASGIApp, rows: Sequence[tuple[str, str, str]] | None = None
    ) -> None:
        self.path = path
        self.name = name
        self.endpoint = endpoint
        self.rows = rows


class GatewayApp:
    def __init__(
        self,
        config: ConfigSpec,
        litestar: Litestar,
        invoke: InvokeEndpoint,
        providers: Mapping[str, Provider],
        perimeter: Perimeter,
        mounts: Sequence[Mount] = (),
    ) -> None:
        self.config = config
        self.litestar = litestar
        self.endpoint = invoke
        self.perimeter = perimeter
        self.routes = {
            f"/api/v1/{name}/{op}": (name, op)
            for name, provider in providers.items()
            for op in provider.operations
        }
        self.mounts: dict[str, ASGIApp] = {m.path: m.endpoint for m in mounts if not m.path.endswith("/")}
        self.prefixes = [(m.path, m.endpoint) for m in mounts if m.path.endswith("/")]
        self._mount_rows: list[Row] = [
            row for m in mounts for row in (m.rows if m.rows is not None else [("*", m.path, m.name)])
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == ScopeType.HTTP:
            with RequestIdScope(scope, send) as tagged:
                tracing = otel.ACTIVE
                if tracing is None:
                    await self._http(scope, receive, tagged)
                else:
                    await tracing.serve_http(scope, receive, tagged, self._http, self._labels(scope["path"]))
            return
        await self.litestar(scope, receive, send)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Every HTTP request, its ``X-Request-Id`` set (``surface/request_id.py``)."""
        try:
            self.perimeter.admit(scope)
        except GestaltError as exc:
            status, content_type, body = render_error(exc)
            headers = [(b"content-type", content_type.encode()), *self.endpoint.extra_headers]
            await send_response(send, status, headers, body)
            return
        target = self.routes.get(scope["path"])
        if target is not None:
            await self.endpoint(scope, receive, send, target[0], target[1])
            return
        mounted = self.mounts.get(scope["path"])
        if mounted is not None:
            await mounted(scope, receive, send)
            return
        for prefix, endpoint in self.prefixes:
            if scope["path"].startswith(prefix):
                await endpoint(scope, receive, send)
                return
        await self.litestar(scope, receive, send)

    def _labels(self, path: str) -> otel.Labels:
        """(surface, integration, operation) a request's metrics are labelled with; never the raw
        path, which would make one series per URL."""
        target = self.routes.get(path)
        if target is not None:
            return ("api", target[0], target[1])
        if path in self.mounts:
            return (path.strip("/").replace("/", "_") or "web", "", "")
        if any(path.startswith(prefix) for prefix, _ in self.prefixes):
            return ("bindings", "", "")
        return ("web", "", "")

    def route_table(self) -> list[Row]:
        """(methods, path, handler) for every route, sorted by path: what ``gestaltd routes`` prints."""
        rows: Iterable[Row] = [
            *(("GET,POST", path, f"invoke:{name}:{op}") for path, (name, op) in self.routes.items()),
            *self._mount_rows,
            *litestar_routes(self.litestar),
        ]
        return sorted(set(rows), key=lambda r: (r[1], r[0]))
