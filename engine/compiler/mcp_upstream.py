"""``plugin.mcp_url`` integrations: where the upstream MCP server is and which connection reaches it.

Nothing is known statically: the tools are listed per caller credential at run time
(``engine.providers.mcp_upstream``); here only the URL, the headers, the connection and the
``allowed_operations`` of a plain upstream are compiled.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from engine.compiler.connections import canonical_connection, compile_connections, default_connection
from engine.compiler.credential_fields import credential_problems
from engine.compiler.model import Connection, Operation, ProviderInfo, described
from engine.compiler.request import RequestTemplate
from engine.compiler.rest import issue
from engine.compiler.templates import TemplateCompileError
from engine.config.issues import ConfigIssue
from engine.config.spec import AllowedOperationSpec, IntegrationSpec

TRANSPORT = "mcp-passthrough"


@dataclass(kw_only=True)
class McpUpstreamInfo(ProviderInfo):
    """Operations are known only per caller (listed upstream); none are known statically."""

    url: str
    mcp_connection: str
    headers: Mapping[str, str] = field(default_factory=dict)
    allowed: Mapping[str, AllowedOperationSpec] | None = None

    def dynamic_operation(self, name: str) -> Operation:
        """The broker's view of an upstream tool: arguments pass through, the result is JSON."""
        return Operation(
            integration=self.name,
            name=name,
            method="POST",
            path="",
            description="",
            parameters=(),
            input_schema=None,
            annotations={},
            connection=self.mcp_connection,
            request=_NO_REQUEST,
            transport=TRANSPORT,
            passthrough=True,
        )


_NO_REQUEST = RequestTemplate(
    method="POST",
    base_url="",
    base_url_has_params=False,
    path_parts=(),
    static_headers=(),
    header_templates=(),
    query_templates=(),
    body_template=None,
    query_params=(),
    header_params=(),
    body_params=(),
    passthrough=True,
    uses_context=False,
)


def compile_mcp_upstream(
    spec: IntegrationSpec,
    icon_svg: str = "",
    connections: Mapping[str, Connection] | None = None,
) -> tuple[McpUpstreamInfo | None, list[ConfigIssue]]:
    """``connections``: already compiled ones to share. A composite passes its API surface's, and
    its ``allowed_operations`` then belong to that surface: every upstream tool is exposed."""
    plugin = spec.plugin
    shared = connections
    if connections is None:
        try:
            connections = compile_connections(plugin)
        except TemplateCompileError as exc:
            return None, [issue(spec.origin, f"auth_mapping: {exc}")]
        problems = [issue(o, m, spec.origin) for o, m in credential_problems(plugin)]
        if problems:
            return None, problems
    default_conn = default_connection(plugin)
    mcp_conn = canonical_connection(plugin.mcp_connection) if plugin.mcp_connection else default_conn
    if mcp_conn not in connections:
        return None, [issue(spec.origin, f'integration "{spec.name}": unknown mcp_connection "{mcp_conn}"')]
    provider = McpUpstreamInfo(
        **described(spec, icon_svg),
        url=plugin.mcp_url,
        mcp_connection=mcp_conn,
        headers=dict(plugin.headers),
        allowed=plugin.allowed_operations if shared is None else None,
        connections=connections,
        default_connection=default_conn,
    )
    return provider, []
