"""The MCP surface: JSON-RPC errors."""

from __future__ import annotations

from engine.errors.base import GestaltError


class McpError(GestaltError):
    """A JSON-RPC error on ``/mcp``: ``code`` is the JSON-RPC code, ``status`` the HTTP status used
    when it answers a single message (method-level errors travel in a 200, as JSON-RPC intends)."""

    status = 200
    code = -32603
    public_message = "internal error"
    data: object = None  # the JSON-RPC error's ``data``, when it has one


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


class McpHeaderMismatch(McpError):
    """2026-07-28: an HTTP header that mirrors the body disagrees with it, or is missing."""

    status = 400
    code = -32020


class McpUnsupportedVersion(McpError):
    """The requested protocol version is not one this server speaks (2026-07-28's
    ``UnsupportedProtocolVersionError``; a 400 in every revision)."""

    status = 400
    code = -32022

    def __init__(self, requested: str, supported: tuple[str, ...]) -> None:
        listed = ", ".join(supported)
        super().__init__(f"Unsupported protocol version: {requested[:40]} (supported: {listed})")
        self.data = {"supported": list(supported), "requested": requested}
