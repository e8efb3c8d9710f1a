"""The Litestar application: routes per area, one error mapping, security headers on everything."""

from __future__ import annotations

from typing import Any

from litestar import Litestar, Request
from litestar.datastructures import State
from litestar.di import Provide
from litestar.events import BaseEventEmitterBackend
from litestar.exceptions import HTTPException
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.types import Message, Scope

from engine import __version__
from engine.auth.principal import Principal
from engine.errors import GestaltError
from engine.surface.credentials import credentials_from_headers
from engine.surface.errors import gestalt_error_handler, http_exception_handler, internal_error_handler
from engine.surface.runtime import Runtime
from engine.surface.security import security_headers
from engine.web.auth_routes import auth_router
from engine.web.catalog import catalog_router
from engine.web.connections import connections_router
from engine.web.health import health, ready
from engine.web.invoke import InvokeEndpoint, fallback_route
from engine.web.oauth_authorize_routes import oauth_authorize_router
from engine.web.oauth_server_routes import oauth_server_router
from engine.web.openapi import add_operations
from engine.web.tokens import tokens_router


def create_app(runtime: Runtime, endpoint: InvokeEndpoint) -> Litestar:
    """The Litestar application. Compiled operations are not registered one route each: Litestar
    re-validates its whole routing trie on every registration (quadratic: 1.9 s for the corpus'
    973 operations). They are served by exact path in ``web/gateway.py``, fall back to the
    ``/api/v1/{integration}/{operation}`` route here (through the same ``endpoint``), and are
    listed one by one in the route table and the OpenAPI document."""
    extra_headers = list(security_headers(runtime.config.server.base_url.startswith("https://")))

    async def add_headers(message: Message, scope: Scope) -> None:
        if message["type"] == "http.response.start":
            message["headers"] = [*message.get("headers", ()), *extra_headers]

    async def provide_principal(request: Request[Any, Any, Any]) -> Principal:
        authorization, cookie = credentials_from_headers(request.scope["headers"])
        return await runtime.authenticator.authenticate(authorization, cookie)

    app = _litestar(runtime, endpoint, add_headers, provide_principal)
    add_operations(app.openapi_schema, runtime.providers)
    return app


class _NoEvents(BaseEventEmitterBackend):
    """Nothing here uses Litestar's event bus. Its default backend starts an anyio task group at
    lifespan startup, importing anyio's asyncio backend in every worker (~25 ms before /ready)."""

    def emit(self, event_id: str, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError("gestaltd registers no event listeners")

    async def __aenter__(self) -> _NoEvents:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        return None


def _openapi_config() -> OpenAPIConfig:
    """One UI: /schema and /schema/swagger (Swagger), and the document at /schema/openapi.json."""
    return OpenAPIConfig(
        title="gestaltd", version=__version__, path="/schema", render_plugins=[SwaggerRenderPlugin()]
    )


def _litestar(
    runtime: Runtime,
    endpoint: InvokeEndpoint,
    add_headers: Any,
    provide_principal: Any,
) -> Litestar:
    return Litestar(
        route_handlers=[
            health,
            ready,
            catalog_router(),
            auth_router(),
            tokens_router(),
            connections_router(),
            oauth_server_router(),
            oauth_authorize_router(),
            fallback_route(endpoint),
        ],
        dependencies={
            "runtime": Provide(lambda: runtime, sync_to_thread=False),
            "principal": Provide(provide_principal),
        },
        exception_handlers={
            GestaltError: gestalt_error_handler,
            HTTPException: http_exception_handler,
            Exception: internal_error_handler,
        },
        before_send=[add_headers],
        request_max_body_size=1 << 20,
        openapi_config=_openapi_config(),
        event_emitter_backend=_NoEvents,
        logging_config=None,
        state=State({"base_url": runtime.config.server.base_url}),
        on_startup=[runtime.start],
        on_shutdown=[runtime.close],
    )


def litestar_routes(app: Litestar) -> list[tuple[str, str, str]]:
    """(methods, path, handler) for the routes Litestar serves (the Swagger UI pages left out)."""
    rows: list[tuple[str, str, str]] = []
    for route in app.routes:
        if route.path.startswith("/schema") and route.path != "/schema/openapi.json":
            continue
        handlers: list[Any] = getattr(route, "route_handlers", None) or [getattr(route, "route_handler")]  # noqa: B009
        for handler in handlers:
            name = handler.name or handler.handler_name
            if name.startswith("invoke:"):
                methods = "GET,POST"
            else:
                methods = ",".join(sorted(m for m in getattr(handler, "http_methods", ()) if m != "OPTIONS"))
            if name != "options_handler":
                rows.append(
                    (methods or "*", route.path, name if "litestar_openapi" not in name else "openapi")
                )
    return rows
