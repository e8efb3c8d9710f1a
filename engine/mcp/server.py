"""The MCP methods, one message in, one out: ``initialize`` and ``ping`` (legacy revisions),
``server/discover`` (2026-07-28), ``tools/list`` and ``tools/call`` (all), each answered in the
shape of the revision the request speaks (``shapes.py``).

``tools/list`` offers the caller's tools (``catalogue.visible``: scopes, and connections unless
``server.mcp.unconnected: show``), or in search mode the three meta-tools (``meta_tools``): a
token's ``mcp_tools`` decides, else ``server.mcp.tools`` (``auto``: search above the threshold).

Stateless: every message stands alone (no session is needed before ``tools/call``), so the
server can run in any number of workers and replicas.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from engine.config.spec import McpSpec
from engine.errors import McpError, McpInvalidParams, McpMethodNotFound
from engine.invocation.broker import Broker
from engine.mcp.calls import CallContext, call_tool
from engine.mcp.catalogue import Catalogue, Connected, Tool, ToolSet, build_catalogue
from engine.mcp.instructions import server_instructions
from engine.mcp.meta_tools import META_NAMES, META_TOOLS, Offer, call_meta
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
    def __init__(
        self, broker: Broker, spec: McpSpec | None = None, hidden: frozenset[str] = frozenset()
    ) -> None:
        self.broker = broker
        self.spec = spec or McpSpec()
        self.catalogue: Catalogue = build_catalogue(broker.providers, self.spec.tool_name_max_length, hidden)
        self.upstream = [p for p in upstream_providers(broker) if p.name not in hidden]
        exposed = [p for name, p in sorted(broker.providers.items()) if name not in hidden]
        self.instructions = server_instructions(self.spec.instructions, exposed, searchable=True)
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
            "instructions": self.instructions,
        }

    async def _ping(self, params: dict[str, Any], ctx: CallContext) -> Any:
        return {}

    async def _discover(self, params: dict[str, Any], ctx: CallContext) -> Any:
        found = {
            "supportedVersions": list(SUPPORTED_VERSIONS),
            "capabilities": CAPABILITIES,
            "instructions": self.instructions,
            "ttlMs": _DISCOVER_TTL,
            "cacheScope": "public",
        }
        return completed(ctx.revision, found)

    async def _list_tools(self, params: dict[str, Any], ctx: CallContext) -> Any:
        tools = await self._visible(ctx, await self._connected(ctx))
        if self._searching(ctx, len(tools.tools)):
            tools = META_TOOLS
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
        tool = self.catalogue.by_name.get(name)
        if tool is None and name in META_NAMES:
            return await call_meta(name, params.get("arguments"), await self._offer(ctx), ctx.revision)
        tool = tool or await self._upstream_tool(name, ctx)
        if tool is None:
            raise McpInvalidParams(f"Unknown tool: {name}")
        return await call_tool(self.broker, tool, params.get("arguments"), ctx)

    def _searching(self, ctx: CallContext, count: int) -> bool:
        mode = ctx.principal.mcp_tools or self.spec.tools
        return mode == "search" or (mode == "auto" and count > self.spec.search_threshold)

    async def _connected(self, ctx: CallContext) -> Connected | None:
        """What the caller has connected; None when unconnected tools are shown anyway."""
        if self.spec.unconnected == "show":
            return None
        return await self.broker.credentials.connected(ctx.principal)

    async def _visible(self, ctx: CallContext, connected: Connected | None) -> ToolSet:
        policy = self.broker.authorization
        permissions = policy.permissions(ctx.principal) if policy else None
        static = self.catalogue.visible(ctx.principal, connected, permissions)
        if not self.upstream:
            return static
        dynamic = await upstream_tools(self.broker, self.upstream, ctx.principal)
        return ToolSet(merged(static.tools, dynamic)) if dynamic else static

    async def _offer(self, ctx: CallContext) -> Offer:
        connected = await self._connected(ctx)
        tools = await self._visible(ctx, None)
        by_name = {t.name: t for t in tools.tools}

        async def find(name: str) -> Tool | None:
            return by_name.get(name)

        async def call(tool: Tool, arguments: Any) -> dict[str, Any]:
            return await call_tool(self.broker, tool, arguments, ctx)

        def usable(tool: Tool) -> bool:
            return connected is None or tool.open or (tool.integration, tool.connection) in connected

        return Offer(tools, usable, find, call)

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
