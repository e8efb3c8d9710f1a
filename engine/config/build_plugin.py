"""Typed specs of one integration: plugin, connections, operations, parameters."""

from __future__ import annotations

from typing import Any

from engine.config.merge import Entry
from engine.config.paths import resolve_command, resolve_path
from engine.config.spec import (
    MISSING,
    AllowedOperationSpec,
    AuthMappingSpec,
    BasicMappingSpec,
    ConnectionAuthSpec,
    ConnectionParamSpec,
    ConnectionSpec,
    CredentialFieldSpec,
    DiscoverySpec,
    IntegrationSpec,
    ManagedParameterSpec,
    OperationSpec,
    Origin,
    PaginationSpec,
    ParameterSpec,
    PluginSpec,
    ResponseMappingSpec,
)
from engine.config.yaml_tree import escape

_SCALARS = (
    "base_url", "openapi_connection", "graphql_connection", "mcp_connection", "default_connection",
    "mcp", "python", "source", "version",
)  # fmt: skip
_AUTH_SCALARS = (
    "type", "authorization_url", "token_url", "client_id", "client_secret", "redirect_url",
    "client_auth", "token_exchange", "scope_param", "scope_separator", "pkce", "accept_header",
    "access_token_path",
)  # fmt: skip
_LOCATIONS = ("openapi", "graphql_url", "mcp_url", "package")
_AUTH_MAPS = ("authorization_params", "token_params", "refresh_params")


def build_integration(entry: Entry) -> IntegrationSpec:
    data = entry.data
    base = entry.document.base_dir
    return IntegrationSpec(
        name=entry.name,
        plugin=_Plugin(entry).build(data.get("plugin") or {}),
        display_name=data.get("display_name", ""),
        description=data.get("description", ""),
        icon_file=resolve_path(data.get("icon_file", ""), base),
        mcp_tool_prefix=data.get("mcp_tool_prefix", ""),
        origin=origin(entry, ""),
    )


def origin(entry: Entry, relative: str) -> Origin:
    line, col = entry.position(relative)
    return Origin(entry.document.path, entry.pointer + relative, line, col)


def _pick(data: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    return {key: data[key] for key in keys if key in data}


def build_auth(data: dict[str, Any], at: Origin | None = None) -> ConnectionAuthSpec:
    mapping = data.get("auth_mapping")
    return ConnectionAuthSpec(
        **_pick(data, _AUTH_SCALARS),
        **_maps(data, _AUTH_MAPS),
        scopes=tuple(data.get("scopes") or ()),
        token_metadata=tuple(data.get("token_metadata") or ()),
        credentials=tuple(CredentialFieldSpec(**c) for c in data.get("credentials") or ()),
        auth_mapping=_auth_mapping(mapping) if mapping is not None else None,
        type_given="type" in data,
        origin=at,
    )


def _auth_mapping(data: dict[str, Any]) -> AuthMappingSpec:
    basic = data.get("basic")
    return AuthMappingSpec(
        headers=dict(data.get("headers") or {}),
        query=dict(data.get("query") or {}),
        basic=BasicMappingSpec(**basic) if basic is not None else None,
    )


def _maps(data: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    return {key: dict(data.get(key) or {}) for key in keys}


def build_params(data: dict[str, Any] | None) -> dict[str, ConnectionParamSpec]:
    return {name: ConnectionParamSpec(**(body or {})) for name, body in (data or {}).items()}


def build_discovery(data: dict[str, Any] | None) -> DiscoverySpec | None:
    if data is None:
        return None
    scalars = _pick(data, ("url", "method", "items_path", "id_path", "label_path"))
    return DiscoverySpec(**scalars, params=dict(data.get("params") or {}))


class _Plugin:
    def __init__(self, entry: Entry) -> None:
        self.entry = entry
        self.base_dir = entry.document.base_dir

    def build(self, data: dict[str, Any]) -> PluginSpec:
        auth = data.get("auth")
        return PluginSpec(
            **_pick(data, _SCALARS),
            **self.locations(data),
            operations=tuple(self.operation(op, i) for i, op in enumerate(data.get("operations") or ())),
            headers=dict(data.get("headers") or {}),
            managed_parameters=tuple(
                ManagedParameterSpec(in_=m.get("in", ""), name=m.get("name", ""), value=m.get("value", ""))
                for m in data.get("managed_parameters") or ()
            ),
            response_mapping=_response_mapping(
                data.get("response_mapping"), origin(self.entry, "/plugin/response_mapping")
            ),
            allowed_operations=_allowed(data.get("allowed_operations")),
            auth=build_auth(auth, origin(self.entry, "/plugin/auth")) if auth is not None else None,
            params=build_params(data.get("params")),
            discovery=build_discovery(data.get("discovery")),
            connections={n: self.connection(n, c or {}) for n, c in (data.get("connections") or {}).items()},
            config=dict(data.get("config") or {}),
            args=tuple(data.get("args") or ()),
            env=dict(data.get("env") or {}),
            allowed_hosts=tuple(data.get("allowed_hosts") or ()),
            origins={key: origin(self.entry, f"/plugin/{key}") for key in _LOCATIONS if key in data},
            written={key: str(data[key]) for key in _LOCATIONS if key in data},
        )

    def locations(self, data: dict[str, Any]) -> dict[str, Any]:
        """Document and endpoint fields, relative ones resolved against this file's directory."""
        found: dict[str, Any] = {
            key: resolve_path(data[key], self.base_dir) for key in _LOCATIONS if key in data
        }
        if "command" in data:
            found["command"] = resolve_command(data["command"], self.base_dir)
        return found

    def connection(self, name: str, data: dict[str, Any]) -> ConnectionSpec:
        return ConnectionSpec(
            name=name,
            **_pick(data, ("mode",)),
            auth=build_auth(data.get("auth") or {}, self.auth_origin(name, data)),
            params=build_params(data.get("params")),
            identity=dict(data.get("identity") or {}),
            discovery=build_discovery(data.get("discovery")),
            origin=origin(self.entry, f"/plugin/connections/{escape(name)}"),
        )

    def auth_origin(self, name: str, data: dict[str, Any]) -> Origin:
        pointer = f"/plugin/connections/{escape(name)}"
        return origin(self.entry, pointer + ("/auth" if "auth" in data else ""))

    def operation(self, data: dict[str, Any], index: int) -> OperationSpec:
        pointer = f"/plugin/operations/{index}"
        params = data.get("parameters") or ()
        return OperationSpec(
            **_pick(
                data, ("name", "method", "path", "description", "connection", "content_type", "paginate")
            ),
            parameters=tuple(self.parameter(p, f"{pointer}/parameters/{i}") for i, p in enumerate(params)),
            headers=dict(data.get("headers") or {}),
            query=dict(data.get("query") or {}),
            body=data.get("body", MISSING),
            annotations=dict(data.get("annotations") or {}),
            origin=origin(self.entry, pointer),
        )

    def parameter(self, data: dict[str, Any], pointer: str) -> ParameterSpec:
        enum = data.get("enum")
        return ParameterSpec(
            **_pick(data, ("name", "type", "required", "description", "style", "explode")),
            in_=data.get("in"),
            default=data.get("default", MISSING),
            enum=tuple(enum) if enum is not None else None,
            origin=origin(self.entry, pointer),
        )


def _response_mapping(data: dict[str, Any] | None, at: Origin) -> ResponseMappingSpec | None:
    if data is None:
        return None
    pagination = data.get("pagination")
    paginate = data.get("paginate", False)
    return ResponseMappingSpec(
        data_path=data.get("data_path", ""),
        pagination=PaginationSpec(**pagination) if pagination is not None else None,
        paginate=("*",) if paginate is True else tuple(paginate or ()),
        origin=at,
    )


def _allowed(data: dict[str, Any] | None) -> dict[str, AllowedOperationSpec] | None:
    if data is None:
        return None
    return {name: AllowedOperationSpec(**(body or {})) for name, body in data.items()}
