"""The runnable provider of a ``plugin.mcp_url`` integration: the upstream's tools, per caller.

Tools are listed with the caller's credential on first use and remembered per credential for
``TOOLS_TTL`` seconds; a call is forwarded with that credential and the upstream
``CallToolResult`` comes back unchanged (JSON) to every surface. Sessions go through the engine's
outbound client (``egress.mcp_client``).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar
from urllib.parse import urlencode

from engine.compiler.mcp_upstream import TRANSPORT, McpUpstreamInfo
from engine.compiler.model import Connection
from engine.config.spec import AllowedOperationSpec
from engine.egress import mcp_client
from engine.egress.client import HttpClient
from engine.egress.context import EgressContext
from engine.egress.request import OutboundRequest, Result
from engine.errors import OperationNotFound
from engine.providers.dry_run import Injected, injected_headers, stop
from engine.providers.model import OperationCall

TOOLS_TTL = 60.0
MAX_CACHED_CREDENTIALS = 1024


@dataclass(frozen=True, slots=True)
class UpstreamTool:
    upstream_name: str
    definition: Mapping[str, Any]  # the upstream Tool JSON, ``name`` set to the exposed name

    def describe(self) -> dict[str, Any]:
        """The operation object of ``GET /api/v1/integrations/{name}/operations`` (reference §6.3):
        invoked with ``POST /api/v1/<integration>/<id>`` and a JSON body of its arguments."""
        d = self.definition
        out: dict[str, Any] = {"id": d["name"], "method": "POST", "path": ""}
        for key in ("title", "description"):
            if isinstance(d.get(key), str) and d[key]:
                out[key] = d[key]
        for key in ("inputSchema", "outputSchema"):
            if isinstance(d.get(key), Mapping):
                out[key] = d[key]
        given = d.get("annotations")
        hints = {k: v for k, v in given.items() if k in _HINTS} if isinstance(given, Mapping) else {}
        out["annotations"] = hints or {"openWorldHint": True}  # the reference's default for no method
        out["transport"] = TRANSPORT
        return out


_HINTS = frozenset({"readOnlyHint", "idempotentHint", "destructiveHint", "openWorldHint"})


ToolMap = dict[str, UpstreamTool]  # exposed name → tool


@dataclass
class ToolCache:
    """(credential fingerprint) → (expiry, tools)."""

    ttl: float = TOOLS_TTL
    entries: dict[str, tuple[float, ToolMap]] = field(default_factory=dict)

    def get(self, key: str) -> ToolMap | None:
        entry = self.entries.get(key)
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1]

    def put(self, key: str, tools: ToolMap) -> None:
        if len(self.entries) >= MAX_CACHED_CREDENTIALS:
            self.entries.clear()
        self.entries[key] = (time.monotonic() + self.ttl, tools)


@dataclass(kw_only=True)
class McpUpstreamProvider(McpUpstreamInfo):
    client: HttpClient
    cache: ToolCache = field(default_factory=ToolCache)
    previews: ClassVar[bool] = True

    async def tools(
        self,
        connection: Connection,
        credential: Mapping[str, str] | None,
        connection_params: Mapping[str, str],
        context: EgressContext,
    ) -> ToolMap:
        """The tools this credential sees upstream (after ``allowed_operations``); ``context``:
        the caller's, for the egress policy."""
        url, headers, _ = self._target(connection, credential, connection_params)
        key = _fingerprint(url, headers)
        tools = self.cache.get(key)
        if tools is None:
            session = context.with_credential(credential is not None)
            listed = await mcp_client.list_tools(self.client, url, headers, session)
            tools = self._exposed(listed)
            self.cache.put(key, tools)
        return tools

    async def execute(self, call: OperationCall) -> Result:
        if call.dry_run:
            await self._preview(call)
        connection, credential, connection_params = call.connection, call.credential, call.connection_params
        tools = await self.tools(connection, credential, connection_params, call.egress)
        tool = tools.get(call.operation.name)
        if tool is None:
            raise OperationNotFound(call.operation.name, self.name)
        url, headers, _ = self._target(connection, credential, connection_params)
        session = call.egress.with_credential(credential is not None)
        result = await mcp_client.call_tool(
            self.client, url, headers, tool.upstream_name, call.params, session
        )
        return Result(200, "application/json", json.dumps(result, separators=(",", ":")).encode())

    async def _preview(self, call: OperationCall) -> None:
        """The ``tools/call`` a real call would post, without listing the upstream's tools first:
        the upstream name comes from ``allowed_operations`` (an alias), else it is the name."""
        url, headers, query = self._target(call.connection, call.credential, call.connection_params)
        injected = Injected(injected_headers(self.headers, headers), query)
        headers = {
            **headers,
            "Content-Type": "application/json",
            "Accept": "application/json, text/event-stream",
        }
        aliases = {rule.alias: name for name, rule in (self.allowed or {}).items() if rule.alias}
        params = {"name": aliases.get(call.operation.name, call.operation.name), "arguments": call.params}
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": params}).encode()
        context = call.egress.with_credential(call.credential is not None)
        await stop(self.client, OutboundRequest("POST", url, headers, body, context), call, injected)

    def _target(
        self,
        connection: Connection,
        credential: Mapping[str, str] | None,
        connection_params: Mapping[str, str],
    ) -> tuple[str, dict[str, str], list[str]]:
        """The URL and headers with the credential injected, and the query keys it added."""
        headers = dict(self.headers)
        extra = connection.injector.apply(credential, headers, connection_params)
        if not extra:
            return self.url, headers, []
        return (
            f"{self.url}{'&' if '?' in self.url else '?'}{urlencode(extra)}",
            headers,
            [k for k, _ in extra],
        )

    def _exposed(self, listed: list[dict[str, Any]]) -> ToolMap:
        out: ToolMap = {}
        for tool in listed:
            name = tool.get("name")
            if not isinstance(name, str):
                continue
            rule = AllowedOperationSpec() if self.allowed is None else self.allowed.get(name)
            if rule is None:
                continue
            exposed = rule.alias or name
            definition = {**tool, "name": exposed}
            if rule.description:
                definition["description"] = rule.description
            out[exposed] = UpstreamTool(name, definition)
        return out


def _fingerprint(url: str, headers: Mapping[str, str]) -> str:
    material = json.dumps([url, sorted(headers.items())]).encode()
    return hashlib.sha256(material).hexdigest()


def mcp_upstream_of(provider: object) -> McpUpstreamProvider | None:
    """The upstream MCP server behind a provider: itself, or a composite's MCP half."""
    if isinstance(provider, McpUpstreamProvider):
        return provider
    upstream = getattr(provider, "upstream", None)
    return upstream if isinstance(upstream, McpUpstreamProvider) else None
