"""``/mcp`` over Streamable HTTP (stateless): POST carries JSON-RPC; GET and DELETE answer 405
(no server-initiated stream, no sessions to end). Auth, readiness and the 401/503 bodies are the
HTTP API's; JSON-RPC failures are JSON-RPC error objects."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from litestar.types import HTTPScope, Receive, Scope, Send

from engine.auth.authenticator import Authenticator
from engine.auth.oauth_server.endpoints import MCP_RESOURCE_PATH, RESOURCE_METADATA_PATH
from engine.errors import (
    InvalidJSONBody,
    McpError,
    McpInvalidRequest,
    McpParseError,
    NotReady,
)
from engine.mcp.calls import CallContext
from engine.mcp.protocol import (
    BATCH_VERSIONS,
    DEFAULT_VERSION,
    SUPPORTED_VERSIONS,
    check_message,
    encode,
    encode_all,
    error,
    parse_body,
)
from engine.mcp.server import McpServer
from engine.surface.asgi import client_ip, header, read_body, send_response
from engine.surface.challenge import challenge
from engine.surface.credentials import credentials_from_headers
from engine.surface.errors import render_error
from engine.surface.perimeter import Perimeter
from engine.surface.public_url import public_base
from engine.surface.runtime import Readiness

Headers = list[tuple[bytes, bytes]]
_JSON = [(b"content-type", b"application/json")]
_ALLOW = [(b"allow", b"POST")]
MCP_METADATA_PATH = RESOURCE_METADATA_PATH + MCP_RESOURCE_PATH


class McpEndpoint:
    def __init__(
        self,
        server: McpServer,
        authenticator: Authenticator,
        readiness: Readiness,
        perimeter: Perimeter,
        extra_headers: Sequence[tuple[bytes, bytes]] = (),
        base_url: str = "",
    ) -> None:
        self.server = server
        self.perimeter = perimeter
        self.base_url = base_url  # for the challenge's metadata URL
        self.authenticator = authenticator
        self.readiness = readiness
        self.extra_headers = list(extra_headers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if cast("HTTPScope", scope)["method"] != "POST":
            body = encode({"error": "method not allowed"})
            await self._reply(send, 405, body, [*_ALLOW, *_JSON])
            return
        headers = []
        try:
            status, body = await self._post(scope, receive)
        except McpError as exc:
            status, body = exc.status, encode(error(None, exc))
        except Exception as exc:  # noqa: BLE001 - auth and readiness: the HTTP API's answers
            status, _, body = render_error(exc)
            found = challenge(exc, public_base(self.base_url, scope) + MCP_METADATA_PATH)
            headers = [found] if found else []
        await self._reply(send, status, body, [*(_JSON if body else []), *headers])

    async def _post(self, scope: Scope, receive: Receive) -> tuple[int, bytes]:
        if not self.readiness.providers_loaded:
            raise NotReady()
        self.perimeter.check_origin(scope)  # the transport spec's DNS-rebinding guard
        headers = scope["headers"]
        authorization, cookie = credentials_from_headers(headers)
        principal = await self.authenticator.authenticate(authorization, cookie)
        if header(headers, b"content-type").split(";")[0].strip().lower() != "application/json":
            raise McpInvalidRequest("Invalid content type: must be 'application/json'")
        version = header(headers, b"mcp-protocol-version") or DEFAULT_VERSION
        ctx = CallContext(principal, version, client_ip(scope), header(headers, b"user-agent"))
        try:
            doc = parse_body(await read_body(receive))
        except InvalidJSONBody:
            raise McpParseError("Parse error: body unreadable or larger than 1 MiB") from None
        if isinstance(doc, list):
            return await self._batch(doc, ctx)
        return await self._single(doc, ctx)

    async def _single(self, doc: dict[str, Any], ctx: CallContext) -> tuple[int, bytes]:
        message = check_message(doc)
        if message.get("method") != "initialize":
            _check_version(ctx.version)
        response = await self.server.handle(message, ctx)
        if response is None:
            return 202, b""
        return 200, response if isinstance(response, bytes) else encode(response)

    async def _batch(self, doc: list[Any], ctx: CallContext) -> tuple[int, bytes]:
        _check_version(ctx.version)
        if ctx.version not in BATCH_VERSIONS:
            raise McpInvalidRequest(f"Invalid request: batches are not supported in {ctx.version}")
        if not doc:
            raise McpInvalidRequest("Invalid request: empty batch")
        responses = [r for r in [await self._batch_item(item, ctx) for item in doc] if r is not None]
        return (200, encode_all(responses)) if responses else (202, b"")

    async def _batch_item(self, item: Any, ctx: CallContext) -> dict[str, Any] | bytes | None:
        try:
            message = check_message(item)
            if message.get("method") == "initialize":
                raise McpInvalidRequest("Invalid request: initialize must not be batched")
        except McpError as exc:
            return error(item.get("id") if isinstance(item, dict) else None, exc)
        return await self.server.handle(message, ctx)

    async def _reply(self, send: Send, status: int, body: bytes, headers: Headers) -> None:
        await send_response(send, status, [*headers, *self.extra_headers], body)


def _check_version(version: str) -> None:
    if version not in SUPPORTED_VERSIONS:
        supported = ", ".join(SUPPORTED_VERSIONS)
        raise McpInvalidRequest(f"Unsupported MCP-Protocol-Version: {version} (supported: {supported})")
