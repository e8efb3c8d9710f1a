"""A real upstream MCP server (the official SDK's MCPServer, streamable HTTP) on 127.0.0.1."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import uvicorn
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError


@dataclass
class McpUpstream:
    url: str


def build_server(**settings: Any) -> MCPServer:
    """``settings``: extra ``MCPServer`` arguments (``auth`` and ``token_verifier`` for a server
    that requires OAuth bearer tokens)."""
    server = MCPServer("upstream", log_level="ERROR", **settings)

    @server.tool(description="Add two integers.")
    def add(a: int, b: int) -> int:
        return a + b

    @server.tool(description="The Authorization header this call arrived with.")
    def whoami(ctx: Context) -> str:
        headers = ctx.headers or {}
        return headers.get("authorization", "")

    @server.tool(description="Always fails.")
    def explode() -> str:
        raise ToolError("kaboom")

    return server


def start_mcp_upstream(
    make: Callable[[str], MCPServer] = lambda _url: build_server(),
) -> tuple[McpUpstream, Callable[[], None]]:
    """``make(url)`` builds the server once its URL (``http://127.0.0.1:<port>/mcp``) is known."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/mcp"
    app = make(url).streamable_http_app(stateless_http=True, json_response=True)
    server = uvicorn.Server(uvicorn.Config(app, log_level="error", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)

    def stop() -> None:
        server.should_exit = True
        thread.join(5)
        sock.close()

    return McpUpstream(url), stop
