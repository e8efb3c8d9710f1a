"""``translate``: one catalogue app manifest (``kind: app``, camelCase, ``spec.surfaces`` and
``spec.connections``) → the ``providers.d/<name>.yaml`` document, the documents to copy beside it,
the environment variables it expects, and every field it could not carry."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from engine.catalog.connections import PLUGIN, Connections, translate_connections
from engine.catalog.fields import Fields, Loss, Losses
from engine.catalog.paging import translate_allowed, translate_paging
from engine.catalog.surfaces import Surfaces, translate_surfaces

NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_EXECUTABLE = "an executable app: its own code, and any operation only that code implements, is not imported"
_TOP_NOTES = {key: _EXECUTABLE for key in ("install", "build", "run")}
_SPEC_NOTES = {
    "http": "HTTP routes the app serves (webhooks, interactions) have no equivalent; "
    "a webhook binding is the nearest",
    "securitySchemes": "signature checks of the app's own HTTP routes: "
    "a signed webhook binding is the nearest",
    "requires": "dependencies on other apps have no equivalent",
    "ui": "the app's own web UI has no equivalent",
    "auth": "authentication of the app's own HTTP routes has no equivalent",
    "assetRoot": "the app's static assets have no equivalent",
    "routes": "the app's own HTTP routes have no equivalent",
}
_ORDER = (
    "openapi", "graphql_url", "base_url", "mcp_url", "openapi_connection", "graphql_connection",
    "mcp_connection", "default_connection", "headers", "managed_parameters", "auth", "params", "discovery",
    "connections", "allowed_operations", "response_mapping", "operations", "mcp",
)  # fmt: skip
_REFERENCES = ("openapi_connection", "graphql_connection", "mcp_connection", "default_connection")


class ManifestError(ValueError):
    """The input is not a catalogue app manifest at all (nothing worth writing)."""


@dataclass(frozen=True, slots=True)
class Translation:
    name: str
    provider: dict[str, Any]
    losses: tuple[Loss, ...]
    documents: tuple[tuple[str, str], ...]
    """(path in the app directory, path relative to the written file) of each file to copy."""
    environment: tuple[str, ...]
    """Variables the file reads (``${NAME}``): OAuth client ids and secrets to set before serving."""
    source: str = ""
    version: str = ""


def translate(manifest: Any, name: str) -> Translation:
    if not NAME.match(name):
        raise ManifestError(f'"{name}" is not a valid integration name (lowercase letters, digits, "_", "-")')
    if not isinstance(manifest, Mapping) or not isinstance(manifest.get("spec"), Mapping):
        raise ManifestError("not a catalogue app manifest: no spec mapping")
    losses = Losses()
    top = Fields(manifest, "", losses, _TOP_NOTES)
    kind = top.text("kind")
    if kind not in ("", "app"):
        raise ManifestError(f'not a catalogue app manifest: kind "{kind}" (expected app)')
    source, version = top.text("source"), top.text("version")
    provider: dict[str, Any] = {}
    for key, ours in (("displayName", "display_name"), ("description", "description")):
        if top.text(key):
            provider[ours] = _escaped(top.text(key))
    documents: list[tuple[str, str]] = []
    if top.text("iconFile"):
        target = f"{name}/{PurePosixPath(top.text('iconFile')).name}"
        documents.append((top.text("iconFile"), target))
        provider["icon_file"] = target
    spec = top.child("spec", _SPEC_NOTES)
    connections = translate_connections(spec, name)
    surfaces = translate_surfaces(spec, connections, name, spec.text("defaultConnection"))
    provider["plugin"] = _escaped(_plugin(spec, connections, surfaces))
    spec.drop("configSchemaPath", _settings_note(connections))
    spec.finish()
    top.finish()
    documents += surfaces.documents
    return Translation(
        name, provider, tuple(losses.items), tuple(documents), tuple(connections.environment), source, version
    )


def _plugin(spec: Fields, connections: Connections, surfaces: Surfaces) -> dict[str, Any]:
    plugin = dict(surfaces.plugin)
    _default_connection(spec, connections, plugin)
    if isinstance(spec.take("headers"), Mapping) and spec.data["headers"]:
        plugin["headers"] = {str(k): str(v) for k, v in spec.data["headers"].items()}
    _managed(spec, surfaces, plugin)
    if isinstance(spec.take("mcp"), bool):
        plugin["mcp"] = spec.data["mcp"]
    plugin.update(connections.plugin)
    if connections.named:
        plugin["connections"] = connections.named
    else:
        for key in _REFERENCES:
            if plugin.get(key) == PLUGIN:
                del plugin[key]  # only the implicit connection exists: nothing to choose between
    plugin.update(translate_paging(spec, surfaces.api))
    translate_allowed(spec, surfaces.api, plugin)
    return {key: plugin[key] for key in _ORDER if key in plugin and plugin[key] not in ({}, [])}


def _default_connection(spec: Fields, connections: Connections, plugin: dict[str, Any]) -> None:
    """Connect flows and listings need one default; the API surface's connection, else the MCP one."""
    given = connections.ours(spec.text("defaultConnection")) if spec.text("defaultConnection") else ""
    chosen = plugin.get("default_connection") or given
    if given and chosen != given:
        spec.losses.add(
            spec.at("defaultConnection"), f'the REST surface uses "{chosen}": that is the default'
        )
    for key in ("openapi_connection", "graphql_connection", "mcp_connection"):
        chosen = chosen or plugin.get(key, "")
    if chosen:
        plugin["default_connection"] = chosen


def _managed(spec: Fields, surfaces: Surfaces, plugin: dict[str, Any]) -> None:
    entries = list(spec.items("managedParameters"))
    if not entries:
        return
    if surfaces.api not in ("openapi", "graphql"):
        spec.losses.add(spec.at("managedParameters"), "managed parameters need an OpenAPI or GraphQL surface")
        for entry in entries:
            entry.skip()
        return
    managed = []
    for entry in entries:
        managed.append({key: entry.text(key) for key in ("in", "name", "value")})
        entry.finish()
    plugin["managed_parameters"] = managed


def _settings_note(connections: Connections) -> str:
    if connections.environment:
        return "the app's settings are not imported; its OAuth client id and secret are ${VAR} placeholders"
    return "the app's settings are not imported"


def _escaped(value: Any) -> Any:
    """``$`` → ``$$`` in every string: the file's text goes through ``${VAR}`` expansion, and an
    imported description or URL must come out as written. Our own placeholders are added as
    ``${NAME}`` values that this leaves alone."""
    if isinstance(value, str):
        return value if _PLACEHOLDER.fullmatch(value) else value.replace("$", "$$")
    if isinstance(value, list):
        return [_escaped(v) for v in value]
    if isinstance(value, dict):
        return {k: _escaped(v) for k, v in value.items()}
    return value


_PLACEHOLDER = re.compile(r"\$\{[A-Z0-9_]+_CLIENT_(ID|SECRET)\}")
