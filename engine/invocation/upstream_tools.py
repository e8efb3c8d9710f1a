"""The tools an upstream MCP server shows one caller, for every surface that lists them (``/mcp``
and ``GET /api/v1/integrations/{name}/operations``).

Listed with the caller's credential on the integration's MCP connection (the provider caches per
credential), once the egress policy lets the caller reach the upstream at all. A caller who
cannot reach it (denied, no credential, upstream down) sees no tools: a listing never fails
because one upstream did.
"""

from __future__ import annotations

import logging

from engine.auth.principal import Principal, egress_subject
from engine.egress.target import Target
from engine.errors import GestaltError
from engine.invocation.broker import Broker
from engine.invocation.credentials import resolve_credential
from engine.providers.mcp_upstream import McpUpstreamProvider, ToolMap

_log = logging.getLogger("gestalt.mcp")


async def caller_tools(broker: Broker, provider: McpUpstreamProvider, principal: Principal) -> ToolMap:
    """Exposed name → upstream tool, as ``principal`` sees them; empty when unreachable (logged)."""
    connection = provider.connections[provider.mcp_connection]
    context = broker.egress_context(egress_subject(principal), provider.name)
    try:
        broker.precheck(context, Target.of_url(None, provider.url))
        resolved = await resolve_credential(broker.credentials, principal, provider.name, connection, None)
        fields = resolved.fields if resolved is not None else None
        params = (
            resolved.connection_params
            if resolved is not None
            else {k: v.default for k, v in connection.params.items() if v.default}
        )
        return await provider.tools(connection, fields, params, context)
    except GestaltError as exc:
        _log.info(
            "upstream MCP tools unavailable",
            extra={"fields": {"provider": provider.name, "error": type(exc).__name__}},
        )
        return {}
