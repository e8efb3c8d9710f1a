"""The runnable provider of a spec-backed (OpenAPI) integration.

A call is rendered and sent exactly as inline REST sends it (the compiled RequestTemplate, then
the connection's CredentialInjector), with server-variable defaults under the connection's
params, then ``response_mapping`` and engine-side pagination are applied.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.compiler.model import Connection, Operation, ProviderInfo
from engine.compiler.response_mapping import map_result, paginate
from engine.compiler.rest import send_operation
from engine.config.spec import ResponseMappingSpec
from engine.egress.client import HttpClient
from engine.egress.request import Result


@dataclass(kw_only=True)
class SpecProvider(ProviderInfo):
    client: HttpClient
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
