"""What the broker calls: a ``Provider`` (a compiled integration that can execute) and the one
``OperationCall`` it is handed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from engine.compiler.model import Connection, Operation
from engine.egress.context import ENGINE, EgressContext
from engine.egress.request import Result


@dataclass(frozen=True, slots=True)
class OperationCall:
    """One operation call as the broker hands it to a provider: the arguments (checked and
    coerced), the connection it goes through, that connection's credential fields (None when
    the connection needs none) and its parameters, and the egress context every request it
    sends carries (who is calling, this integration and operation). ``dry_run``: render
    everything, send nothing (``providers.dry_run``)."""

    operation: Operation
    params: dict[str, Any]
    connection: Connection
    credential: Mapping[str, str] | None = None
    connection_params: Mapping[str, str] = field(default_factory=dict)
    dry_run: bool = False
    egress: EgressContext = ENGINE


class Provider(Protocol):
    """What every integration compiles to (declarative REST, OpenAPI, GraphQL, python factories)."""

    name: str
    display_name: str
    description: str
    icon_svg: str
    mcp_tool_prefix: str
    operations: Mapping[str, Operation]
    connections: Mapping[str, Connection]
    default_connection: str

    async def execute(self, call: OperationCall) -> Result: ...
