"""The MCP methods, one message in, one out: ``initialize`` and ``ping`` (legacy revisions),
``server/discover`` (2026-07-28), ``tools/list`` and ``tools/call`` (all), each answered in the
shape of the revision the request speaks (``shapes.py``).

Stateless: every message stands alone (no session is needed before ``tools/call``), so the
server can run in any number of workers and replicas.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from engine.errors import McpError, McpInvalidParams, McpMethodNotFound
from engine.invocation.broker import Broker
from engine.mcp.calls import CallContext, call_tool
from engine.mcp.catalogue import Catalogue, Tool, ToolSet, build_catalogue
from engine.mcp.protocol import Message, encode, encoded_result, error, is_request, result
from engine.mcp.shapes import SERVER_INFO, SERVER_INFO_KEY, completed
from engine.mcp.upstream import merged, out_of_scope_tool, upstream_providers, upstream_tools
from engine.mcp.versions import SUPPORTED_VERSIONS, negotiate

CAPABILITIES = {"tools": {"listChanged": False}}
# 2026-07-28 cache hints (milliseconds): the catalogue changes only with a restart; an upstream
# server's tools may change any time. Lists depend on who asks (scopes, connections): private.
_STATIC_TTL, _UPSTREAM_TTL, _DISCOVER_TTL = 300_000, 60_000, 300_000

Handler = Callable[[dict[str, Any], CallContext], Awaitable[Any]]


class McpServer:
    def __init__(self, broker: Broker) -> None:
        self.broker = broker
        self.catalogue: Catalogue = build_catalogue(broker.providers)
        self.upstream = upstream_providers(broker)
        self.methods: dict[str, Handler] = {
            "initialize": self._initialize,
            "ping": self._ping,
            "server/discover": self._discover,
            "tools/list": self._list_tools,
            "tools/call": self._call_tool,
        }

    @property
    def exposes_tools(self) -> bool:
        return bool(self.catalogue.all.tools or self.upstream)

    async def handle(self, message: Message, ctx: CallContext) -> Message | bytes | None:
        """The response (a message, or its JSON) to a request; None for notifications and replies."""
        if not is_request(message):
            return None
        request_id = message["id"]
        try:
            method = message["method"]
            handler = self.methods.get(method) if method in ctx.revision.methods else None
            if handler is None:
                raise McpMethodNotFound(method)
            value = await handler(_params(message), ctx)
            return (
                encoded_result(request_id, value) if isinstance(value, bytes) else result(request_id, value)
            )
        except McpError as exc:
            return error(request_id, exc)

    async def _initialize(self, params: dict[str, Any], ctx: CallContext) -> Any:
        return {
            "protocolVersion": negotiate(params.get("protocolVersion")),
            "capabilities": CAPABILITIES,
            "serverInfo": SERVER_INFO,
        }

    async def _ping(self, params: dict[str, Any], ctx: CallContext) -> Any:
        return {}

    async def _discover(self, params: dict[str, Any], ctx: CallContext) -> Any:
        found = {
            "supportedVersions": list(SUPPORTED_VERSIONS),
            "capabilities": CAPABILITIES,
            "ttlMs": _DISCOVER_TTL,
            "cacheScope": "public",
        }
        return completed(ctx.revision, found)

    async def _list_tools(self, params: dict[str, Any], ctx: CallContext) -> Any:
        tools = await self._visible(ctx)
        page, next_cursor = tools.page(params.get("cursor"))
        listed = b'{"tools":[' + b",".join(t.json(ctx.revision) for t in page) + b"]"
        if next_cursor is not None:
            listed += b',"nextCursor":' + encode(next_cursor)
        if ctx.revision.modern:
            ttl = _UPSTREAM_TTL if self.upstream else _STATIC_TTL
            meta = {SERVER_INFO_KEY: SERVER_INFO}
            listed += b',"ttlMs":%d,"cacheScope":"private","resultType":"complete","_meta":' % ttl + encode(
                meta
            )
        return listed + b"}"

    async def _call_tool(self, params: dict[str, Any], ctx: CallContext) -> Any:
        name = params.get("name")
        if not isinstance(name, str):
            raise McpInvalidParams("Invalid params: name must be a string")
        tool = self.catalogue.by_name.get(name) or await self._upstream_tool(name, ctx)
        if tool is None:
            raise McpInvalidParams(f"Unknown tool: {name}")
        return await call_tool(self.broker, tool, params.get("arguments"), ctx)

    async def _visible(self, ctx: CallContext) -> ToolSet:
        static = self.catalogue.visible(ctx.principal)
        if not self.upstream:
            return static
        dynamic = await upstream_tools(self.broker, self.upstream, ctx.principal)
        return ToolSet(merged(static.tools, dynamic)) if dynamic else static

    async def _upstream_tool(self, name: str, ctx: CallContext) -> Tool | None:
        if not self.upstream:
            return None
        dynamic = await upstream_tools(self.broker, self.upstream, ctx.principal)
        found = next((t for t in dynamic if t.name == name), None)
        return found or out_of_scope_tool(self.upstream, ctx.principal, name)


def _params(message: Message) -> dict[str, Any]:
    params = message.get("params")
    if params is None:
        return {}
    if not isinstance(params, dict):
        raise McpInvalidParams("Invalid params: params must be an object")
    return params
