"""Where ``/mcp`` is mounted: a Litestar route (route table, OpenAPI-free) and the gateway's fast path.

The endpoint exists only when some integration exposes tools (operations or an ``mcp_url``).
"""

from __future__ import annotations

from collections.abc import Sequence

from litestar.handlers import asgi
from litestar.handlers.asgi_handlers import ASGIRouteHandler
from litestar.types import Receive, Scope, Send

from engine.mcp.server import McpServer
from engine.mcp.transport import McpEndpoint
from engine.web.state import Runtime

MCP_PATH = "/mcp"


def mcp_endpoint(runtime: Runtime, extra_headers: Sequence[tuple[bytes, bytes]] = ()) -> McpEndpoint | None:
    server = McpServer(runtime.broker)
    if not server.exposes_tools:
        return None
    return McpEndpoint(
        server, runtime.authenticator, runtime.readiness, runtime.config.server.base_url, extra_headers
    )


def mcp_routes(runtime: Runtime) -> list[ASGIRouteHandler]:
    endpoint = mcp_endpoint(runtime)
    if endpoint is None:
        return []

    async def handle(scope: Scope, receive: Receive, send: Send) -> None:
        await endpoint(scope, receive, send)

    return [asgi(MCP_PATH, is_mount=False, copy_scope=False, name="mcp")(handle)]
