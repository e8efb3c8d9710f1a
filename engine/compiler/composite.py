"""An API surface (``openapi`` or ``graphql_url``) together with an upstream MCP server (``mcp_url``).

The API's operations are the static catalogue (HTTP invoke and MCP tools); the upstream's tools
join them on ``/mcp`` per caller, through the MCP connection. A static operation wins a name
collision: the broker looks static operations up first, and ``/mcp`` merges static tools first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from engine.compiler.mcp_upstream import McpUpstreamInfo, compile_mcp_upstream
from engine.compiler.model import ProviderInfo
from engine.compiler.sources import Sources
from engine.compiler.spec_surface import compile_spec_surface
from engine.config.issues import ConfigIssue
from engine.config.spec import IntegrationSpec

if TYPE_CHECKING:
    from engine.compiler.graphql import GraphQLInfo
    from engine.compiler.openapi import OpenAPIInfo


@dataclass(kw_only=True)
class CompositeInfo(ProviderInfo):
    api: OpenAPIInfo | GraphQLInfo
    upstream: McpUpstreamInfo


def compile_composite(
    spec: IntegrationSpec, sources: Sources, icon_svg: str = ""
) -> tuple[CompositeInfo | None, list[ConfigIssue]]:
    api, issues = compile_spec_surface(spec, sources, icon_svg)
    if api is None:
        return None, issues
    upstream, issues = compile_mcp_upstream(spec, icon_svg, api.connections)
    if upstream is None:
        return None, issues
    composite = CompositeInfo(
        name=api.name,
        display_name=api.display_name,
        description=api.description,
        icon_svg=api.icon_svg,
        mcp_tool_prefix=api.mcp_tool_prefix,
        operations=api.operations,
        connections=api.connections,
        default_connection=api.default_connection,
        api=api,
        upstream=upstream,
    )
    return composite, []
