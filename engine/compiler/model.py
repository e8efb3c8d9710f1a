"""What the compiler produces: Operation (made of ``parameter.Parameter``s), Connection, and
ProviderInfo (an integration's identity, operations and connections; each surface's compiler
extends it with what it needs).

They hold only compiled, immutable state (templates compiled, schemas built). Executing them is
``engine.providers``: the same objects bound to the outbound client.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypedDict

from engine.compiler.parameter import Parameter
from engine.config.spec import (
    MISSING,
    ConnectionAuthSpec,
    ConnectionParamSpec,
    DiscoverySpec,
    IntegrationSpec,
)

if TYPE_CHECKING:
    from engine.compiler.injector import CredentialInjector
    from engine.compiler.request import RequestTemplate


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

    @property
    def usable_without_connecting(self) -> bool:
        """Callable with no credential of the caller's own: mode ``none``, or a shared identity in
        config."""
        return self.mode == "none" or self.mode in ("identity", "either") and bool(self.identity)


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
    # A JSON object response's shape, for MCP's ``outputSchema`` (OpenAPI operations whose answer
    # reaches the caller as the document describes it).
    output_schema: Mapping[str, Any] | None = None

    @property
    def read_only(self) -> bool:
        """Changes nothing upstream: the annotation the compiler gives GET and HEAD operations and
        GraphQL queries (``schema.annotations_for``); a state-changing request otherwise."""
        return self.annotations.get("readOnlyHint") is True

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
    connections. A surface's compiled form extends it; ``engine.providers`` adds the execution."""

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
