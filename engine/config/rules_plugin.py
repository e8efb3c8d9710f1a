"""The reference's structural rules for one integration's ``plugin`` (engine.md §1.7), same messages."""

from __future__ import annotations

import re
from typing import Any

from engine.config.issues import ConfigIssue
from engine.config.merge import Entry

_EXTERNAL = ("command", "package", "source")
_INLINE_MARKERS = ("openapi", "graphql_url", "mcp_url", "operations", "base_url", "auth", "connections")
_SURFACES = (
    ("openapi", "openapi", "OpenAPI"),
    ("graphql", "graphql_url", "GraphQL"),
    ("mcp", "mcp_url", "MCP"),
)
_SOURCE = re.compile(r"^github\.com/[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
_SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$")
_EXEC_ONLY = (
    "is only valid when the plugin runs as an executable process; remove {f} or switch this "
    "integration to plugin.command, plugin.package, or plugin.source"
)
_REASONS = {
    "connection": "is not supported; remove plugin.connection and use plugin.default_connection or a "
    "surface-specific *_connection field instead",
    "env": _EXEC_ONLY.format(f="plugin.env"),
    "allowed_hosts": _EXEC_ONLY.format(f="plugin.allowed_hosts"),
    "base_url": "is only valid when the resolved provider actually uses a base URL; remove plugin.base_url "
    "or configure inline operations, OpenAPI, or GraphQL",
    "headers": "are only valid when the plugin exposes declarative operations or a spec surface; remove "
    "plugin.headers or configure declarative operations, OpenAPI, GraphQL, or MCP",
    "managed_parameters": "are only valid with openapi/graphql surfaces; remove plugin.managed_parameters "
    "or configure OpenAPI or GraphQL",
    "response_mapping": "is only valid for inline openapi/graphql integrations; remove "
    "plugin.response_mapping or switch this integration to inline openapi or graphql_url",
}
for _kind, _key, _label in _SURFACES:
    _REASONS[f"{_kind}_connection"] = (
        f"is only valid when {_key} is configured; remove plugin.{_kind}_connection or configure an "
        f"{_label} surface"
    )


def is_set(plugin: dict[str, Any], key: str) -> bool:
    value = plugin.get(key)
    return value is not None and value != "" and value != [] and value != {}


def is_inline(plugin: dict[str, Any]) -> bool:
    if any(is_set(plugin, key) for key in _EXTERNAL):
        return False
    return any(is_set(plugin, key) for key in _INLINE_MARKERS)


def plugin_issues(entry: Entry) -> list[ConfigIssue]:
    plugin = entry.data.get("plugin")
    if not isinstance(plugin, dict):
        return [entry.issue("", f'integration "{entry.name}" requires a plugin')]
    rules = _Rules(entry, plugin)
    if is_set(plugin, "python"):
        rules.python()
    elif is_inline(plugin):
        rules.inline()
    else:
        rules.external()
    return rules.issues


class _Rules:
    def __init__(self, entry: Entry, plugin: dict[str, Any]) -> None:
        self.entry = entry
        self.name = entry.name
        self.plugin = plugin
        self.issues: list[ConfigIssue] = []

    def add(self, key: str, message: str) -> None:
        self.issues.append(self.entry.issue(f"/plugin{'/' + key if key else ''}", message))

    def has(self, key: str) -> bool:
        return is_set(self.plugin, key)

    def python(self) -> None:
        for key in _EXTERNAL:
            if self.has(key):
                message = f'integration "{self.name}" plugin.python and plugin.{key} are mutually exclusive'
                self.add(key, message)
        self.supported(allowed=set(_REASONS) - {"connection", "env", "allowed_hosts"})

    def inline(self) -> None:
        surfaces = [key for key in ("openapi", "graphql_url", "mcp_url") if self.has(key)]
        if not surfaces and not self.has("operations"):
            self.add("", f'inline integration "{self.name}" requires at least one of openapi, graphql_url, '
                     "mcp_url, or operations")  # fmt: skip
        if surfaces and self.has("operations"):
            self.add("operations", f'inline integration "{self.name}" plugin.operations are only valid when '
                     "no openapi, graphql_url, or mcp_url is configured")  # fmt: skip
        self.managed_parameters()
        self.operations_required_fields()
        self.connection_references()
        allowed = self.surface_support(inline=True)
        self.supported(allowed)

    def external(self) -> None:
        self.managed_parameters()
        chosen = [key for key in _EXTERNAL if self.has(key)]
        prefix = f'integration "{self.name}" '
        if not chosen:
            self.add("", prefix + "plugin.command, plugin.package, or plugin.source is required")
        elif len(chosen) > 1:
            exclusive = "plugin.command, plugin.package, and plugin.source are mutually exclusive"
            self.add(chosen[1], prefix + exclusive)
        self.source_and_version(prefix)
        if self.has("args") and not self.has("command"):
            self.add("args", prefix + "plugin.args are only valid with plugin.command")
        if str(self.plugin.get("package", "")).startswith("http://"):
            self.add("package", prefix + "plugin.package requires HTTPS; plain HTTP is not supported")
        if self.has("operations"):
            self.add("operations", prefix + "external plugin cannot use inline operations")
        if self.has("connections"):
            self.add("connections", prefix + "external plugin cannot use inline connections; declare "
                     "connections in the plugin manifest instead")  # fmt: skip
        if self.has("command"):  # packaged plugins are checked once their manifest is resolved
            allowed = self.surface_support(inline=False) | {"env", "allowed_hosts"}
            self.supported(allowed)

    def source_and_version(self, prefix: str) -> None:
        source, version = self.plugin.get("source") or "", self.plugin.get("version") or ""
        if source and not _SOURCE.match(source):
            self.add("source", prefix + f'plugin.source: pluginsource: invalid source "{source}" '
                     "(expected github.com/<owner>/<repo>/<plugin>)")  # fmt: skip
        if source and not version:
            self.add("source", prefix + "plugin.version is required when plugin.source is set")
        if version and not source:
            self.add("version", prefix + "plugin.version is only valid with plugin.source")
        elif version and not _SEMVER.match(version):
            self.add("version", prefix + f'plugin.version: pluginsource: invalid semver "{version}"')

    def surface_support(self, inline: bool) -> set[str]:
        """Which optional plugin fields the configured surfaces make meaningful."""
        openapi, graphql, mcp = (self.has(k) for k in ("openapi", "graphql_url", "mcp_url"))
        ops = self.has("operations")
        allowed = {f"{kind}_connection" for kind, key, _ in _SURFACES if self.has(key)}
        if ops or openapi or graphql:
            allowed.add("base_url")
        if (inline and ops) or openapi or graphql or mcp:
            allowed.add("headers")
        if openapi or graphql:
            allowed.add("managed_parameters")
        if inline and (openapi or graphql):
            allowed.add("response_mapping")
        return allowed

    def supported(self, allowed: set[str]) -> None:
        for key, reason in _REASONS.items():
            if self.has(key) and key not in allowed:
                self.add(key, f'integration "{self.name}" plugin.{key} {reason}')

    def managed_parameters(self) -> None:
        seen: dict[str, str] = {}
        headers = {canonical_header(h) for h in self.plugin.get("headers") or {}}
        prefix = f'integration "{self.name}" '
        for index, param in enumerate(self.plugin.get("managed_parameters") or ()):
            where, label = f"managed_parameters/{index}", f"managed_parameters[{index}]"
            location = str(param.get("in") or "").strip().lower()
            name, value = param.get("name") or "", param.get("value") or ""
            if not location:
                self.add(where, prefix + f"{label}.in is required")
            elif location not in ("header", "path"):
                self.add(where, prefix + f'{label}.in "{location}" must be "header" or "path"')
            if not name:
                self.add(where, prefix + f"{label}.name is required")
            if not value:
                self.add(where, prefix + f"{label}.value is required")
            key = f"{location}:{canonical_header(name) if location == 'header' else name}"
            if name and key in seen:
                self.add(where, prefix + f'duplicate managed parameter "{name}" in "{location}"')
            seen[key] = name
            if name and location == "header" and canonical_header(name) in headers:
                self.add(where, prefix + f'managed parameter "{name}" conflicts with configured header')

    def operations_required_fields(self) -> None:
        for index, op in enumerate(self.plugin.get("operations") or ()):
            for key in ("name", "method", "path"):
                if not op.get(key):
                    label = f'integration "{self.name}" operations[{index}].{key} is required'
                    self.add(f"operations/{index}", label)

    def connection_references(self) -> None:
        declared = set(self.plugin.get("connections") or {}) | {"plugin", "_plugin"}
        named = self.has("connections")
        for field, required, context in self.references():
            value = self.plugin.get(field) or ""
            if value and value not in declared:
                self.add(field, f'integration "{self.name}" plugin.{field} references undeclared '
                         f'connection "{value}"')  # fmt: skip
            elif not value and required and named:
                self.add(field if field in self.plugin else "", f'inline integration "{self.name}" '
                         f"plugin.{field} is required when {context}")  # fmt: skip

    def references(self) -> list[tuple[str, bool, str]]:
        ops = self.has("operations")
        refs = [("default_connection", ops, "using inline operations with named connections")]
        for kind, key, _ in _SURFACES:
            context = f"using {key} with named connections and no top-level auth"
            refs.append((f"{kind}_connection", self.has(key) and not self.has("auth"), context))
        return refs


def canonical_header(name: str) -> str:
    """``x-api-key`` → ``X-Api-Key``, as Go's ``CanonicalMIMEHeaderKey`` does."""
    return "-".join(part[:1].upper() + part[1:].lower() for part in str(name).split("-"))
