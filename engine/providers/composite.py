"""The runnable provider of a composite integration: static operations go to the API surface,
upstream tools to the MCP half (``engine.compiler.composite`` says how the two are joined)."""

from __future__ import annotations

from dataclasses import dataclass

from engine.compiler.mcp_upstream import TRANSPORT
from engine.compiler.model import Operation, ProviderInfo
from engine.egress.request import Result
from engine.providers.mcp_upstream import McpUpstreamProvider
from engine.providers.model import OperationCall, Provider


@dataclass(kw_only=True)
class CompositeProvider(ProviderInfo):
    api: Provider
    upstream: McpUpstreamProvider

    @property
    def previews(self) -> bool:
        return bool(getattr(self.api, "previews", False))

    def dynamic_operation(self, name: str) -> Operation:
        """A name the API surface does not have: an upstream tool (the upstream answers 404)."""
        return self.upstream.dynamic_operation(name)

    async def execute(self, call: OperationCall) -> Result:
        target: Provider = self.upstream if call.operation.transport == TRANSPORT else self.api
        return await target.execute(call)
