"""An API surface (``openapi`` or ``graphql_url``) together with an upstream MCP server (``mcp_url``).

The API's operations are the static catalogue (HTTP invoke and MCP tools); the upstream's tools
join them on ``/mcp`` per caller, through the MCP connection. A static operation wins a name
collision: the broker looks static operations up first, and ``/mcp`` merges static tools first.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.compiler.documents import Documents
from engine.compiler.mcp_upstream import TRANSPORT, McpUpstreamProvider, compile_mcp_upstream
from engine.compiler.model import Operation, OperationCall, Provider, ProviderInfo
from engine.compiler.spec_surface import compile_spec_surface
from engine.config.issues import ConfigIssue
from engine.config.spec import IntegrationSpec
from engine.egress.client import HttpClient
from engine.egress.request import Result


@dataclass(kw_only=True)
class CompositeProvider(ProviderInfo):
    api: Provider
    upstream: McpUpstreamProvider

    def dynamic_operation(self, name: str) -> Operation:
        """A name the API surface does not have: an upstream tool (the upstream answers 404)."""
        return self.upstream.dynamic_operation(name)

    async def execute(self, call: OperationCall) -> Result:
        target: Provider = self.upstream if call.operation.transport == TRANSPORT else self.api
        return await target.execute(call)


def compile_composite(
    spec: IntegrationSpec, client: HttpClient, icon_svg: str = "", documents: Documents | None = None
) -> tuple[CompositeProvider | None, list[ConfigIssue]]:
    api, issues = compile_spec_surface(spec, client, icon_svg, documents)
    if api is None:
        return None, issues
    upstream, issues = compile_mcp_upstream(spec, client, icon_svg, api.connections)
    if upstream is None:
        return None, issues
    composite = CompositeProvider(
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
