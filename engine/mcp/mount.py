"""The ``/mcp`` endpoint, built once by ``engine.bootstrap`` and mounted on the gateway.

The endpoint exists only when some integration exposes tools (operations or an ``mcp_url``).
"""

from __future__ import annotations

from collections.abc import Sequence

from engine.auth.oauth_server.endpoints import MCP_RESOURCE_PATH
from engine.mcp.server import McpServer
from engine.mcp.transport import McpEndpoint
from engine.surface.runtime import Runtime

MCP_PATH = MCP_RESOURCE_PATH


def mcp_endpoint(runtime: Runtime, extra_headers: Sequence[tuple[bytes, bytes]] = ()) -> McpEndpoint | None:
    integrations = runtime.config.integrations
    hidden = frozenset(name for name, spec in integrations.items() if spec.plugin.mcp is False)
    server = McpServer(runtime.broker, runtime.config.server.mcp, hidden)
    if not server.exposes_tools:
        return None
    base_url = runtime.config.server.base_url
    return McpEndpoint(
        server, runtime.authenticator, runtime.readiness, runtime.perimeter, extra_headers, base_url
    )
