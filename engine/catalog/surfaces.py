"""A manifest's ``surfaces``: REST operations, an OpenAPI document, a GraphQL endpoint and an
upstream MCP server, each with the connection it uses.

Our format serves one API surface per integration (OpenAPI, else GraphQL, else REST operations),
optionally with an MCP server beside an OpenAPI or GraphQL one; any other surface is a loss."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from engine.catalog.connections import PLUGIN, Connections
from engine.catalog.fields import Fields

_TYPES = {
    "string": "string", "int": "integer", "integer": "integer", "number": "number", "float": "number",
    "double": "number", "bool": "boolean", "boolean": "boolean", "array": "array", "object": "object",
}  # fmt: skip
_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"})
_OPERATION_NOTES = {
    "connectionSelector": "choosing the connection from a parameter has no equivalent "
    "(callers pass _connection)",
    "tags": "operation tags have no equivalent",
    "allowedRoles": "per-operation roles have no equivalent",
}


@dataclass
class Surfaces:
    """What the surfaces put into ``plugin``, and the documents to copy beside the file."""

    plugin: dict[str, Any] = field(default_factory=dict)
    documents: list[tuple[str, str]] = field(default_factory=list)
    api: str = ""
    """The API surface kept: ``openapi``, ``graphql``, ``rest`` or ``""`` (MCP only, or none)."""


def translate_surfaces(spec: Fields, connections: Connections, app: str, default: str) -> Surfaces:
    holder = spec.child("surfaces")
    present = [key for key in ("openapi", "graphql", "rest", "mcp") if key in holder]
    out = Surfaces(api=next((key for key in present if key != "mcp"), ""))
    for key in present:
        surface = holder.child(key)
        if key != "mcp" and key != out.api:
            surface.lose(f"a second API surface: only the {out.api} one is served")
        elif key == "mcp" and out.api == "rest":
            surface.lose("an MCP server beside REST operations: only the operations are served")
        else:
            _SURFACE[key](surface, connections, app, default, out)
        surface.finish()
    holder.finish()
    return out


def surface_connection(surface: Fields, connections: Connections, default: str, mcp: bool = False) -> str:
    """Our name of the connection a surface uses. Unset: the spec's ``defaultConnection``, else the
    manifest's ``default``, else the only candidate, else the first OAuth one (MCP surfaces prefer
    ``mcp_oauth`` connections); the others stay selectable per call with ``_connection``."""
    explicit = surface.text("connection")
    if explicit:
        return connections.ours(explicit)
    if default and not mcp:
        return connections.ours(default)
    if "default" in connections.names:
        return connections.ours("default")
    kinds = connections.types
    candidates = [n for n, t in kinds.items() if (t == "mcp_oauth") == mcp] or list(kinds)
    if not candidates:
        return PLUGIN
    oauth = [n for n in candidates if kinds[n] in ("oauth2", "mcp_oauth")]
    chosen = (oauth or candidates)[0]
    others = [n for n in candidates if n != chosen]
    if others:
        note = f'no connection named: "{chosen}" serves it; {", ".join(others)} are chosen per call'
        note += " with _connection"
        surface.losses.add(surface.at("connection"), note)
    return connections.ours(chosen)


def _openapi(surface: Fields, connections: Connections, app: str, default: str, out: Surfaces) -> None:
    document = surface.text("document")
    if not document:
        surface.losses.add(surface.path, "an OpenAPI surface without a document: left out")
        out.api = ""
        return
    out.plugin["openapi"] = _document(document, app, out)
    if surface.text("baseUrl"):
        out.plugin["base_url"] = surface.text("baseUrl")
    out.plugin["openapi_connection"] = surface_connection(surface, connections, default)


def _graphql(surface: Fields, connections: Connections, app: str, default: str, out: Surfaces) -> None:
    out.plugin["graphql_url"] = surface.text("url")
    surface.drop("operationSelections", "hand-written selection sets: selections come from introspection")
    out.plugin["graphql_connection"] = surface_connection(surface, connections, default)


def _mcp(surface: Fields, connections: Connections, app: str, default: str, out: Surfaces) -> None:
    out.plugin["mcp_url"] = surface.text("url")
    out.plugin["mcp_connection"] = surface_connection(surface, connections, default, mcp=True)


def _rest(surface: Fields, connections: Connections, app: str, default: str, out: Surfaces) -> None:
    if surface.text("baseUrl"):
        out.plugin["base_url"] = surface.text("baseUrl")
    out.plugin["default_connection"] = surface_connection(surface, connections, default)
    out.plugin["operations"] = [_operation(op, connections) for op in surface.items("operations")]


_SURFACE = {"openapi": _openapi, "graphql": _graphql, "mcp": _mcp, "rest": _rest}


def _document(document: str, app: str, out: Surfaces) -> str:
    """A URL stays a URL; a local document is copied to ``<app>/<file name>`` beside the output."""
    if "://" in document:
        return document
    target = f"{app}/{PurePosixPath(document).name}"
    out.documents.append((document, target))
    return target


def _operation(op: Fields, connections: Connections) -> dict[str, Any]:
    op.notes = _OPERATION_NOTES
    out: dict[str, Any] = {"name": op.text("name")}
    if op.text("description"):
        out["description"] = op.text("description")
    method = op.text("method").upper() or "GET"
    if method not in _METHODS:
        op.losses.add(op.at("method"), f'method "{method}" is not supported: sent as GET')
        method = "GET"
    out["method"], out["path"] = method, op.text("path") or "/"
    if op.text("connection"):
        out["connection"] = connections.ours(op.text("connection"))
    parameters = [p for p in (_parameter(p) for p in op.items("parameters")) if p is not None]
    if parameters:
        out["parameters"] = parameters
    op.finish()
    return out


def _parameter(param: Fields) -> dict[str, Any] | None:
    if param.take("internal") is True:
        param.lose(f'internal parameter "{param.text("name")}" (it fed connectionSelector): left out')
        return None
    out: dict[str, Any] = {"name": param.text("name")}
    kind = param.text("type") or "string"
    if kind not in _TYPES:
        param.losses.add(param.at("type"), f'type "{kind}" is not one of ours: declared as string')
    out["type"] = _TYPES.get(kind, "string")
    location = param.text("in")
    if location in ("path", "query", "header", "body"):
        out["in"] = location
    elif location:
        param.losses.add(param.at("in"), f'"in: {location}" is not supported: placed by the default rule')
    if param.text("description"):
        out["description"] = param.text("description")
    if param.take("required") is True:
        out["required"] = True
    for key in ("default", "enum"):
        if param.take(key) is not None:
            out[key] = param.data[key]
    param.finish()
    return out
