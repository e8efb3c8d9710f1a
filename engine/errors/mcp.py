"""The MCP surface: JSON-RPC errors."""

from __future__ import annotations

from engine.errors.base import GestaltError


class McpError(GestaltError):
    """A JSON-RPC error on ``/mcp``: ``code`` is the JSON-RPC code, ``status`` the HTTP status used
    when it answers a single message (method-level errors travel in a 200, as JSON-RPC intends)."""

    status = 200
    code = -32603
    public_message = "internal error"


class McpParseError(McpError):
    status = 400
    code = -32700
    public_message = "Parse error"


class McpInvalidRequest(McpError):
    status = 400
    code = -32600
    public_message = "Invalid request"


class McpMethodNotFound(McpError):
    code = -32601

    def __init__(self, method: str) -> None:
        super().__init__(f"Method not found: {method}")


class McpInvalidParams(McpError):
    code = -32602
    public_message = "Invalid params"
