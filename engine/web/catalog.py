"""Discovery routes: integrations, their operations, bindings (reference http-api §6)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from litestar import Router, get
from litestar.params import FromPath

from engine.compiler.model import Connection
from engine.config.spec import PLUGIN_CONNECTION, ConnectionAuthSpec, ConnectionParamSpec
from engine.errors import IntegrationNotFound, ScopeDenied
from engine.invocation.upstream_tools import caller_tools
from engine.providers.mcp_upstream import mcp_upstream_of
from engine.providers.model import Provider
from engine.web.dependencies import PrincipalDep, RuntimeDep

_AUTH_TYPES = {
    "oauth2": "oauth",
    "mcp_oauth": "oauth",
    "bearer": "manual",
    "manual": "manual",
    "basic": "manual",
}


def auth_types(auth: ConnectionAuthSpec) -> list[str]:
    t = _AUTH_TYPES.get(auth.type)
    return [t] if t else []


def _credential_fields(auth: ConnectionAuthSpec) -> list[dict[str, str]]:
    out = []
    for f in auth.credentials:
        d = {"name": f.name}
        for key in ("label", "description", "help_url"):
            if getattr(f, key):
                d[key] = getattr(f, key)
        out.append(d)
    return out


def _connection_params(conn: Connection) -> dict[str, dict[str, Any]]:
    """What a client asks the user for; params post-connect discovery fills are only marked."""
    discovered = conn.discovery.params if conn.discovery is not None else {}
    return {name: _param_hint(p, name in discovered) for name, p in conn.params.items()}


def _param_hint(p: ConnectionParamSpec, discovered: bool) -> dict[str, Any]:
    d: dict[str, Any] = {"discovered": True} if discovered else {}
    if p.required and not discovered:
        d["required"] = True
    if p.description:
        d["description"] = p.description
    if p.default and not discovered:
        d["default"] = p.default
    return d


def _connection_info(conn: Connection) -> dict[str, Any] | None:
    types = auth_types(conn.auth)
    if not types:
        return None
    info: dict[str, Any] = {"name": conn.name, "auth_types": types}
    fields = _credential_fields(conn.auth)
    if fields:
        info["credential_fields"] = fields
    return info


def describe_integration(provider: Provider, instances: Sequence[Mapping[str, str]] = ()) -> dict[str, Any]:
    """One entry of ``GET /api/v1/integrations``."""
    default = provider.connections.get(provider.default_connection) or provider.connections[PLUGIN_CONNECTION]
    out: dict[str, Any] = {"name": provider.name}
    if provider.display_name:
        out["display_name"] = provider.display_name
    if provider.description:
        out["description"] = provider.description
    if provider.icon_svg:
        out["icon_svg"] = provider.icon_svg
    out["connected"] = bool(instances)
    out["usable_without_connecting"] = default.usable_without_connecting
    if instances:
        out["instances"] = [dict(i) for i in instances]
    out["auth_types"] = auth_types(default.auth)
    params = _connection_params(default)
    if params:
        out["connection_params"] = params
    conns = [c for c in (_connection_info(x) for x in _ordered(provider.connections)) if c]
    if conns:
        out["connections"] = conns
    fields = _credential_fields(default.auth)
    if fields:
        out["credential_fields"] = fields
    return out


def _ordered(connections: Mapping[str, Connection]) -> list[Connection]:
    first = [connections[PLUGIN_CONNECTION]] if PLUGIN_CONNECTION in connections else []
    return first + [connections[n] for n in sorted(connections) if n != PLUGIN_CONNECTION]


@get("/integrations")
async def list_integrations(principal: PrincipalDep, runtime: RuntimeDep) -> list[dict[str, Any]]:
    out = []
    for name in sorted(runtime.providers):
        if not principal.may_use(name) or not runtime.broker.may_read(principal, name):
            continue  # a scoped API token sees only its integrations, a role only what it grants
        instances = await runtime.instances(principal, name)
        out.append(describe_integration(runtime.providers[name], instances))
    return out


@get("/integrations/{name:str}/operations")
async def list_operations(
    name: FromPath[str], principal: PrincipalDep, runtime: RuntimeDep
) -> list[dict[str, Any]]:
    provider = runtime.providers.get(name)
    if provider is None:
        raise IntegrationNotFound(name)
    if not principal.may_use(name):
        raise ScopeDenied(name)
    broker = runtime.broker
    listed = [
        op.describe()
        for op in provider.operations.values()
        if principal.may_call(name, op.name) and broker.may_invoke(principal, name, op.name)
    ]
    upstream = mcp_upstream_of(provider)
    if upstream is not None:  # the caller's upstream tools, as /mcp lists them; static names win
        tools = await caller_tools(runtime.broker, upstream, principal)
        listed += [
            t.describe()
            for n, t in sorted(tools.items())
            if n not in provider.operations
            and principal.may_call(name, n)
            and broker.may_invoke(principal, name, n)
        ]
    return listed


@get("/bindings")
async def list_bindings(principal: PrincipalDep, runtime: RuntimeDep) -> list[dict[str, Any]]:
    """Each binding by name: its type, the path it is served at and the providers it may reach."""
    return [
        {"name": name, "type": spec.type, "path": spec.served_path, "providers": list(spec.providers)}
        for name, spec in sorted(runtime.config.bindings.items())
    ]


def catalog_router() -> Router:
    return Router(path="/api/v1", route_handlers=[list_integrations, list_operations, list_bindings])
