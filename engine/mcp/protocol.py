"""JSON-RPC 2.0 framing: pure functions over parsed JSON values (revisions: ``versions.py``)."""

from __future__ import annotations

import json
from typing import Any

from engine.errors import McpError, McpInvalidRequest, McpParseError

Message = dict[str, Any]


def parse_body(body: bytes) -> Message | list[Any]:
    try:
        doc = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise McpParseError() from None
    if not isinstance(doc, dict | list):
        raise McpInvalidRequest()
    return doc


def check_message(message: Any) -> Message:
    """A structurally valid JSON-RPC message (request, notification or response)."""
    if not isinstance(message, dict) or message.get("jsonrpc") != "2.0":
        raise McpInvalidRequest("Invalid request: not a JSON-RPC 2.0 message")
    if "id" in message and not _valid_id(message["id"]):
        raise McpInvalidRequest("Invalid request: id must be a string or an integer")
    method = message.get("method")
    if method is not None and not isinstance(method, str):
        raise McpInvalidRequest("Invalid request: method must be a string")
    if method is None and "id" not in message:
        raise McpInvalidRequest("Invalid request: no method")
    return message


def _valid_id(value: Any) -> bool:
    return isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool))


def is_request(message: Message) -> bool:
    return "method" in message and "id" in message


def result(request_id: Any, value: Any) -> Message:
    return {"jsonrpc": "2.0", "id": request_id, "result": value}


def error(request_id: Any, exc: McpError) -> Message:
    body: dict[str, Any] = {"code": exc.code, "message": exc.public_message}
    if exc.data is not None:
        body["data"] = exc.data
    return {"jsonrpc": "2.0", "id": request_id, "error": body}


def encoded_result(request_id: Any, value: bytes) -> bytes:
    """A response whose result is already JSON (the pre-encoded tool pages)."""
    return b'{"jsonrpc":"2.0","id":' + encode(request_id) + b',"result":' + value + b"}"


def encode_all(messages: list[Message | bytes]) -> bytes:
    return b"[" + b",".join(m if isinstance(m, bytes) else encode(m) for m in messages) + b"]"


def encode(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()
