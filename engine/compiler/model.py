"""The runnable objects the compiler produces: Parameter, Operation, Connection, Provider.

They hold only compiled, immutable state (templates compiled, schemas built); the per-call work
is rendering a request from validated parameters.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypedDict

from engine.config.spec import (
    MISSING,
    ConnectionAuthSpec,
    ConnectionParamSpec,
    DiscoverySpec,
    IntegrationSpec,
)

if TYPE_CHECKING:
    from engine.compiler.request import RequestTemplate
    from engine.egress.auth import CredentialInjector
    from engine.egress.request import Result

# Methods whose unlocated/undeclared parameters default to the query string.
QUERY_METHODS = frozenset({"GET", "DELETE", "HEAD"})


@dataclass(frozen=True, slots=True)
class Parameter:
    name: str
    type: str  # string | integer | number | boolean | array | object
    location: str  # path | query | header | body | template (used only by the operation's templates)
    required: bool = False
    description: str = ""
    default: Any = MISSING
    enum: tuple[Any, ...] | None = None
    wire_name: str = ""  # name on the wire when it differs (OpenAPI)

    @property
    def key(self) -> str:
        return self.wire_name or self.name


@dataclass(frozen=True, slots=True)
class Connection:
    """A connection of an integration, compiled: how to find and inject its credential."""

    name: str  # user-facing ("plugin" for the implicit one)
    mode: str  # none | user | identity | either
    auth: ConnectionAuthSpec
    params: Mapping[str, ConnectionParamSpec]
    injector: CredentialInjector
    identity: Mapping[str, str] = field(default_factory=dict)
    discovery: DiscoverySpec | None = None  # run once after connecting (engine.invocation.discovery)

    @property
    def auth_type(self) -> str:
        return self.auth.type


@dataclass(frozen=True, slots=True)
class Operation:
    integration: str
    name: str
    method: str
    path: str
    description: str
    parameters: tuple[Parameter, ...]
    input_schema: Mapping[str, Any] | None
    annotations: Mapping[str, bool]
    connection: str
    request: RequestTemplate
    transport: str = "rest"
    # No declared parameters: everything supplied passes through (query or JSON body).
    passthrough: bool = False
    by_name: Mapping[str, Parameter] = field(default_factory=dict)

    def describe(self) -> dict[str, Any]:
        """The operation object of ``GET /api/v1/integrations/{name}/operations``."""
        out: dict[str, Any] = {"id": self.name, "method": self.method, "path": self.path}
        if self.description:
            out["description"] = self.description
        if self.input_schema is not None:
            out["inputSchema"] = self.input_schema
        out["annotations"] = dict(self.annotations)
        if self.parameters:
            out["parameters"] = [_describe_param(p) for p in self.parameters]
        out["transport"] = self.transport
        return out


def _describe_param(p: Parameter) -> dict[str, Any]:
    d: dict[str, Any] = {"name": p.name, "type": p.type, "location": p.location}
    if p.wire_name and p.wire_name != p.name:
        d["wireName"] = p.wire_name
    if p.description:
        d["description"] = p.description
    if p.required:
        d["required"] = True
    if p.default is not MISSING:
        d["default"] = p.default
    if p.enum is not None:
        d["enum"] = list(p.enum)
    return d


@dataclass(kw_only=True)
class ProviderInfo:
    """What every provider kind shares: identity for listings and MCP, its compiled operations and
    connections. Provider kinds extend it with what they need to execute."""

    name: str
    display_name: str = ""
    description: str = ""
    icon_svg: str = ""
    mcp_tool_prefix: str = ""
    operations: Mapping[str, Operation] = field(default_factory=dict)
    connections: Mapping[str, Connection] = field(default_factory=dict)
    default_connection: str = "plugin"


class Described(TypedDict):
    name: str
    display_name: str
    description: str
    icon_svg: str
    mcp_tool_prefix: str


def described(spec: IntegrationSpec, icon_svg: str, title: str = "") -> Described:
    """The identity fields of a provider built from ``spec`` (``title``: the document's own)."""
    return {
        "name": spec.name,
        "display_name": spec.display_name or title or spec.name,
        "description": spec.description,
        "icon_svg": icon_svg,
        "mcp_tool_prefix": spec.mcp_tool_prefix,
    }


@dataclass(frozen=True, slots=True)
class OperationCall:
    """One operation call as the broker hands it to a provider: the arguments (checked and
    coerced), the connection it goes through, that connection's credential fields (None when
    the connection needs none) and its parameters."""

    operation: Operation
    params: dict[str, Any]
    connection: Connection
    credential: Mapping[str, str] | None = None
    connection_params: Mapping[str, str] = field(default_factory=dict)


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
