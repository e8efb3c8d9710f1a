"""The runnable provider of an OpenAPI integration.

A call is rendered and sent exactly as inline REST sends it (the compiled RequestTemplate, then
the connection's CredentialInjector), with server-variable defaults under the connection's
params, then ``response_mapping`` and engine-side pagination are applied.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, ClassVar

from engine.compiler.openapi import OpenAPIInfo
from engine.egress.client import HttpClient
from engine.egress.request import Result
from engine.providers.model import OperationCall
from engine.providers.paging import follow_pages
from engine.providers.response_mapping import map_result
from engine.providers.rest import send_operation, send_page


@dataclass(kw_only=True)
class SpecProvider(OpenAPIInfo):
    client: HttpClient
    previews: ClassVar[bool] = True  # through send_operation

    async def execute(self, call: OperationCall) -> Result:
        if self.server_defaults:
            call = replace(call, connection_params={**self.server_defaults, **call.connection_params})

        async def send(params: dict[str, Any], url: str | None) -> tuple[Result, str]:
            return await send_page(self.client, replace(call, params=params), url)

        mapping = self.response_mapping
        if mapping is not None and call.operation.name in self.paginated:
            return await follow_pages(send, call.params, mapping)
        result = await send_operation(self.client, call)
        return map_result(result, mapping) if mapping is not None else result
