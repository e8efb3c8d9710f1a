"""Our own checks on one integration, beyond the reference's: names, placeholders, references, auth."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from engine.config.issues import ConfigIssue
from engine.config.merge import Entry

RESERVED_NAMES = frozenset({"auth", "integrations", "tokens", "bindings"})
_PLACEHOLDER = re.compile(r"\{([A-Za-z0-9_.-]+)\}")


def placeholders(template: str) -> list[str]:
    """``{name}`` placeholders; ``{{ jinja }}`` expressions are not placeholders."""
    return [m.group(1) for m in _PLACEHOLDER.finditer(template.replace("{{", "").replace("}}", ""))]


def integration_issues(entry: Entry) -> list[ConfigIssue]:
    plugin = entry.data.get("plugin")
    issues = list(_reserved(entry))
    if isinstance(plugin, dict):
        issues += _auth(entry, plugin)
        issues += _base_url(entry, plugin)
        issues += _discovery(entry, plugin)
        issues += _operations(entry, plugin)
    return issues


def _reserved(entry: Entry) -> Iterator[ConfigIssue]:
    if entry.name in RESERVED_NAMES:
        message = f'integration name "{entry.name}" is reserved (it would shadow /api/v1/{entry.name})'
        yield entry.issue("", message)


def _auth(entry: Entry, plugin: dict[str, Any]) -> Iterator[ConfigIssue]:
    auths = [("/plugin/auth", plugin.get("auth"))]
    for name, connection in (plugin.get("connections") or {}).items():
        auths.append((f"/plugin/connections/{name}/auth", (connection or {}).get("auth")))
    for pointer, auth in auths:
        if not isinstance(auth, dict) or auth.get("type") != "oauth2":
            continue
        for key in ("authorization_url", "token_url"):
            if not auth.get(key):
                yield entry.issue(pointer, f"oauth2 auth requires {key}")


def _base_url(entry: Entry, plugin: dict[str, Any]) -> Iterator[ConfigIssue]:
    known = set(plugin.get("params") or {})
    for connection in (plugin.get("connections") or {}).values():
        known |= set((connection or {}).get("params") or {})
    for name in placeholders(str(plugin.get("base_url") or "")):
        if name not in known:
            yield entry.issue(
                "/plugin/base_url",
                f'base_url placeholder "{{{name}}}" is not a declared connection parameter '
                "(declare it under plugin.params or a connection's params)",
            )


def _discovery(entry: Entry, plugin: dict[str, Any]) -> Iterator[ConfigIssue]:
    """Discovered values are stored as connection params, so each must be declared on its connection."""
    owners = [("/plugin", "plugin", plugin)]
    for name, connection in (plugin.get("connections") or {}).items():
        owners.append((f"/plugin/connections/{name}", f'connection "{name}"', connection or {}))
    for pointer, label, owner in owners:
        discovery = owner.get("discovery")
        if not isinstance(discovery, dict):
            continue
        declared = set(owner.get("params") or {})
        for key in sorted(set(discovery.get("params") or {}) - declared):
            message = f'discovery param "{key}" is not a declared connection parameter of {label}'
            yield entry.issue(f"{pointer}/discovery/params", message)


def _operations(entry: Entry, plugin: dict[str, Any]) -> Iterator[ConfigIssue]:
    connections = set(plugin.get("connections") or {}) | {"plugin", "_plugin"}
    first: dict[str, int] = {}
    for index, op in enumerate(plugin.get("operations") or ()):
        pointer = f"/plugin/operations/{index}"
        name = op.get("name") or ""
        if name and name in first:
            line = entry.position(f"/plugin/operations/{first[name]}")[0]
            message = f'duplicate operation name "{name}" (first defined at line {line})'
            yield entry.issue(f"{pointer}/name", message)
        first.setdefault(name, index)
        if op.get("paginate") is True:
            message = (
                f'operation "{name}" sets paginate, but pages are followed through response_mapping, '
                "which only openapi and graphql_url integrations have"
            )
            yield entry.issue(f"{pointer}/paginate", message)
        connection = op.get("connection") or ""
        if connection and connection not in connections:
            message = f'operation "{name}" references undeclared connection "{connection}"'
            yield entry.issue(f"{pointer}/connection", message)
        yield from _parameters(entry, op, pointer)


def _parameters(entry: Entry, op: dict[str, Any], pointer: str) -> Iterator[ConfigIssue]:
    params = op.get("parameters") or []
    path = str(op.get("path") or "")
    in_path = set(placeholders(path))
    first: dict[str, int] = {}
    for index, param in enumerate(params):
        where = f"{pointer}/parameters/{index}"
        name = param.get("name") or ""
        if name in first:
            line = entry.position(f"{pointer}/parameters/{first[name]}")[0]
            message = f'duplicate parameter name "{name}" (first defined at line {line})'
            yield entry.issue(f"{where}/name", message)
        first.setdefault(name, index)
        if param.get("in") == "path" and name not in in_path:
            message = f'parameter "{name}" has in: path but "{{{name}}}" does not occur in the path'
            yield entry.issue(f"{where}/in", message)
    if not params:
        return  # operations that declare no parameters pass parameters through
    for name in sorted(in_path - set(first)):
        yield entry.issue(f"{pointer}/path", f'path placeholder "{{{name}}}" is not a declared parameter')
