"""The 2026-07-28 request envelope: every request carries its protocol version and client
capabilities in ``params._meta``, and the Streamable HTTP transport mirrors version, method and
name into headers that must agree with the body (``MCP-Protocol-Version``, ``Mcp-Method``,
``Mcp-Name``; a name outside the header-safe set travels as ``=?base64?…?=``)."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable
from typing import Any

from engine.errors import McpHeaderMismatch, McpInvalidParams, McpUnsupportedVersion
from engine.mcp.versions import MODERN_VERSIONS, SUPPORTED_VERSIONS
from engine.surface.asgi import header

PROTOCOL_VERSION_KEY = "io.modelcontextprotocol/protocolVersion"
CLIENT_CAPABILITIES_KEY = "io.modelcontextprotocol/clientCapabilities"
NAME_PARAMS = {"tools/call": "name", "resources/read": "uri", "prompts/get": "name"}
_BASE64 = re.compile(r"^=\?base64\?([A-Za-z0-9+/=]*)\?=$")
# What a JSON-RPC error code means for the HTTP status of a 2026-07-28 answer.
MODERN_STATUS = {-32700: 400, -32600: 400, -32602: 400, -32020: 400, -32021: 400, -32022: 400, -32601: 404}


def check_envelope(message: dict[str, Any], headers: Iterable[tuple[bytes, bytes]]) -> None:
    """Raise the revision's error unless the request's ``_meta`` and headers agree."""
    params = message.get("params")
    meta = params.get("_meta") if isinstance(params, dict) else None
    if not isinstance(meta, dict) or PROTOCOL_VERSION_KEY not in meta or CLIENT_CAPABILITIES_KEY not in meta:
        raise McpInvalidParams(
            f"Invalid params: params._meta must carry {PROTOCOL_VERSION_KEY} and {CLIENT_CAPABILITIES_KEY}"
        )
    version = meta[PROTOCOL_VERSION_KEY]
    if header(headers, b"mcp-protocol-version") != version:
        raise McpHeaderMismatch("Header mismatch: MCP-Protocol-Version differs from the request's _meta")
    method = message.get("method")
    if header(headers, b"mcp-method") != method:
        raise McpHeaderMismatch("Header mismatch: Mcp-Method is missing or differs from the body's method")
    name_key = NAME_PARAMS.get(str(method))
    named = params.get(name_key) if name_key is not None and isinstance(params, dict) else None
    if named is not None and decoded(header(headers, b"mcp-name")) != named:
        raise McpHeaderMismatch(f"Header mismatch: Mcp-Name is missing or differs from params.{name_key}")
    if version not in MODERN_VERSIONS:
        raise McpUnsupportedVersion(str(version), SUPPORTED_VERSIONS)


def decoded(value: str) -> str | None:
    """A header value, its ``=?base64?…?=`` form decoded; None when that form is broken."""
    found = _BASE64.match(value)
    if found is None:
        return value
    try:
        return base64.b64decode(found.group(1), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
