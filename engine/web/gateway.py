"""The ASGI entry point served by Granian: compiled invoke routes go straight to their endpoint.

Litestar still owns every route (the route table, the OpenAPI document, 404/405, the other
APIs); this thin dispatcher only skips its router, middleware stack and ``before_send`` hook for
the exact paths of compiled operations, which is most of a gateway's traffic. Measured with
``bench/``; the security headers are added by the endpoint itself on this path.
"""

from __future__ import annotations

from litestar import Litestar
from litestar.enums import ScopeType
from litestar.types import Receive, Scope, Send

from engine.mcp.mount import MCP_PATH, mcp_endpoint
from engine.web.app import create_app
from engine.web.invoke import InvokeEndpoint
from engine.web.security import security_headers
from engine.web.state import Runtime


class GatewayApp:
    def __init__(self, runtime: Runtime) -> None:
        self.config = runtime.config
        self.litestar: Litestar = create_app(runtime)
        https = runtime.config.server.base_url.startswith("https://")
        self.endpoint = InvokeEndpoint(runtime.broker, runtime.authenticator, security_headers(https))
        self.mcp = mcp_endpoint(runtime, security_headers(https))
        self.routes = {
            f"/api/v1/{name}/{op}": (name, op)
            for name, provider in runtime.providers.items()
            for op in provider.operations
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == ScopeType.HTTP:
            target = self.routes.get(scope["path"])
            if target is not None:
                await self.endpoint(scope, receive, send, target[0], target[1])
                return
            if self.mcp is not None and scope["path"] == MCP_PATH:
                await self.mcp(scope, receive, send)
                return
        await self.litestar(scope, receive, send)


def create_gateway(runtime: Runtime) -> GatewayApp:
    return GatewayApp(runtime)
