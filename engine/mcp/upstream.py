"""Tools of upstream MCP servers (``mcp_url`` integrations, composites too) as ``/mcp`` tools, as
this caller sees them (``engine.invocation.upstream_tools``)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence

from engine.auth.principal import Principal
from engine.invocation.broker import Broker
from engine.invocation.upstream_tools import caller_tools
from engine.mcp.catalogue import Tool
from engine.mcp.naming import tool_name
from engine.providers.mcp_upstream import McpUpstreamProvider, mcp_upstream_of


def upstream_providers(broker: Broker) -> list[McpUpstreamProvider]:
    """The upstream MCP servers, of ``mcp_url`` integrations and of composites alike."""
    found = (mcp_upstream_of(p) for _, p in sorted(broker.providers.items()))
    return [p for p in found if p is not None]


async def upstream_tools(
    broker: Broker, providers: Sequence[McpUpstreamProvider], principal: Principal
) -> list[Tool]:
    usable = [p for p in providers if principal.may_use(p.name)]
    found = await asyncio.gather(*(_provider_tools(broker, p, principal) for p in usable))
    return [tool for tools in found for tool in tools]


async def _provider_tools(broker: Broker, provider: McpUpstreamProvider, principal: Principal) -> list[Tool]:
    tools = await caller_tools(broker, provider, principal)
    return [
        _tool(provider, exposed, dict(t.definition))
        for exposed, t in sorted(tools.items())
        if principal.may_call(provider.name, exposed) and broker.may_invoke(principal, provider.name, exposed)
    ]


def _tool(provider: McpUpstreamProvider, exposed: str, definition: dict[str, object]) -> Tool:
    name = tool_name(provider.mcp_tool_prefix, provider.name, exposed)
    definition["name"] = name
    return Tool(name, provider.name, exposed, definition, passthrough=True)


def out_of_scope_tool(
    providers: Sequence[McpUpstreamProvider], principal: Principal, name: str
) -> Tool | None:
    """A name that would belong to an upstream integration the caller's token may not use: the
    call goes to the broker anyway, which answers with the HTTP API's scope error."""
    for p in providers:
        prefix = p.mcp_tool_prefix or f"{p.name}_"
        if not principal.may_use(p.name) and name.startswith(prefix) and len(name) > len(prefix):
            return Tool(name, p.name, name[len(prefix) :], {}, passthrough=True)
    return None


def merged(static: Iterable[Tool], dynamic: Iterable[Tool]) -> list[Tool]:
    """Static tools win a name collision (they were there first, and their names are stable)."""
    tools = list(static)
    taken = {t.name for t in tools}
    tools.extend(t for t in dynamic if t.name not in taken)
    return tools
