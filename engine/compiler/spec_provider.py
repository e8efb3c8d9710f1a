"""The runnable provider of a spec-backed (OpenAPI) integration.

A call is rendered and sent exactly as inline REST sends it (the compiled RequestTemplate, then
the connection's CredentialInjector), with server-variable defaults under the connection's
params, then ``response_mapping`` and engine-side pagination are applied.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from engine.compiler.model import Connection, Operation
from engine.compiler.response_mapping import map_result, paginate
from engine.config.spec import ResponseMappingSpec
from engine.egress.client import HttpClient
from engine.egress.request import Result


async def send_operation(
    client: HttpClient,
    integration: str,
    operation: Operation,
    params: Mapping[str, Any],
    connection: Connection,
    credential: Mapping[str, str] | None,
    connection_params: Mapping[str, str],
) -> Result:
    """Render, inject the credential (headers and query pairs), send. The same steps as inline REST."""
    request = operation.request.render(params, connection_params, credential)
    extra = connection.injector.apply(credential, request.headers, connection_params)
    if extra:
        sep = "&" if "?" in request.url else "?"
        request.url += sep + "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in extra)
    request.integration = integration
    request.operation = operation.name
    return await client.send(request)


@dataclass
class SpecProvider:
    name: str
    client: HttpClient
    display_name: str = ""
    description: str = ""
    icon_svg: str = ""
    mcp_tool_prefix: str = ""
    operations: Mapping[str, Operation] = field(default_factory=dict)
    connections: Mapping[str, Connection] = field(default_factory=dict)
    default_connection: str = "plugin"
    server_defaults: Mapping[str, str] = field(default_factory=dict)
    response_mapping: ResponseMappingSpec | None = None
    paginated: frozenset[str] = frozenset()

    async def execute(
        self,
        operation: Operation,
        params: dict[str, Any],
        connection: Connection,
        credential: Mapping[str, str] | None,
        connection_params: Mapping[str, str],
    ) -> Result:
        conn_params = (
            {**self.server_defaults, **connection_params} if self.server_defaults else connection_params
        )

        async def send(call: dict[str, Any]) -> Result:
            return await send_operation(
                self.client, self.name, operation, call, connection, credential, conn_params
            )

        mapping = self.response_mapping
        if mapping is not None and operation.name in self.paginated:
            return await paginate(send, params, mapping)
        result = await send(params)
        return map_result(result, mapping) if mapping is not None else result
