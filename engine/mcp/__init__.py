"""The MCP surface: ``/mcp`` over Streamable HTTP.

Turns JSON-RPC messages into tool listings (the catalogue) and tool calls (the broker)."""
