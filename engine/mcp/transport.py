"""``/mcp`` over Streamable HTTP (stateless): POST carries JSON-RPC; GET and DELETE answer 405
(no server-initiated stream, no sessions to end). Auth, readiness and the 401/503 bodies are the
HTTP API's; JSON-RPC failures are JSON-RPC error objects."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from litestar.types import HTTPScope, Receive, Scope, Send

from engine.auth.authenticator import Authenticator
from engine.auth.oauth_server.endpoints import MCP_RESOURCE_PATH, RESOURCE_METADATA_PATH
from engine.auth.principal import Principal
from engine.errors import (
    InvalidJSONBody,
    McpError,
    McpInvalidRequest,
    McpParseError,
    McpUnsupportedVersion,
    NotReady,
)
from engine.mcp.calls import CallContext
from engine.mcp.envelope import MODERN_STATUS, check_envelope
from engine.mcp.protocol import check_message, encode, encode_all, error, is_request, parse_body
from engine.mcp.server import McpServer
from engine.mcp.versions import (
    DEFAULT_VERSION,
    LATEST_LEGACY,
    REVISIONS,
    SUPPORTED_VERSIONS,
    Revision,
    revision,
)
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
        try:
            doc = parse_body(await read_body(receive))
        except InvalidJSONBody:
            raise McpParseError("Parse error: body unreadable or larger than 1 MiB") from None
        requested = header(headers, b"mcp-protocol-version") or DEFAULT_VERSION
        context = _Context(principal, client_ip(scope), header(headers, b"user-agent"), headers)
        if isinstance(doc, list):
            return await self._batch(doc, context.at(_revision(requested)))
        return await self._single(check_message(doc), requested, context)

    async def _single(self, message: dict[str, Any], requested: str, context: _Context) -> tuple[int, bytes]:
        try:
            # The handshake is the legacy era's and negotiates in its body; its header is moot.
            initialize = message.get("method") == "initialize"
            revision = REVISIONS[LATEST_LEGACY] if initialize else _revision(requested)
            if revision.modern and is_request(message):
                check_envelope(message, context.headers)
        except McpError as exc:
            return MODERN_STATUS.get(exc.code, exc.status), encode(error(message.get("id"), exc))
        response = await self.server.handle(message, context.at(revision))
        if response is None:
            return 202, b""
        if isinstance(response, bytes):
            return 200, response
        status = MODERN_STATUS.get(response.get("error", {}).get("code"), 200) if revision.modern else 200
        return status, encode(response)

    async def _batch(self, doc: list[Any], ctx: CallContext) -> tuple[int, bytes]:
        if not ctx.revision.batches:
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


@dataclass(frozen=True, slots=True)
class _Context:
    """What a request says about its caller before its revision is known."""

    principal: Principal
    client_ip: str
    user_agent: str
    headers: Any

    def at(self, revision: Revision) -> CallContext:
        return CallContext(self.principal, revision, self.client_ip, self.user_agent)


def _revision(version: str) -> Revision:
    found = revision(version)
    if found is None:
        raise McpUnsupportedVersion(version, SUPPORTED_VERSIONS)
    return found
