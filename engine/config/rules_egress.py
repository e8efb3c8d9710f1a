"""Checks on the ``egress`` section: actions and auth styles (the reference's messages), host
patterns, path prefixes, and the integration and operation names a rule or grant matches on.

Every key of the section is enforced at run time, so a value that could never take effect (a
misspelt integration, a secret the grant would never read) is an error here, not a rule that
silently matches nothing. Operations that only compiling reveals (OpenAPI, GraphQL) are checked
after compiling (``providers.egress_names``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.config.host_pattern import parse_host_pattern
from engine.config.issues import ConfigIssue
from engine.config.merge import Entry
from engine.config.paths import SECRET_PREFIX
from engine.config.yaml_tree import Document

ACTIONS = ("allow", "deny")
AUTH_STYLES = ("bearer", "raw", "basic", "none")
MATCH_FIELDS = ("subject_kind", "subject_id", "provider", "operation", "method", "host", "path_prefix")
# Integration kinds whose operation names are only known once their document is compiled.
_DOCUMENT_KEYS = ("openapi", "graphql_url", "mcp_url", "python")


def egress_issues(main: Document, integrations: Mapping[str, Entry]) -> list[ConfigIssue]:
    data = main.data if isinstance(main.data, dict) else {}
    egress = data.get("egress")
    if not isinstance(egress, dict):
        return []
    check = _Checker(main, integrations)
    action = egress.get("default_action", "")
    if action not in ("", *ACTIONS):
        message = f'egress.default_action must be "allow" or "deny", got "{action}"'
        check.add("/egress/default_action", message)
    for index, policy in enumerate(egress.get("policies") or ()):
        check.policy(index, policy)
    for index, grant in enumerate(egress.get("credentials") or ()):
        check.grant(index, grant)
    return check.issues


class _Checker:
    def __init__(self, main: Document, integrations: Mapping[str, Entry]) -> None:
        self.main = main
        self.integrations = integrations
        self.issues: list[ConfigIssue] = []

    def add(self, pointer: str, message: str) -> None:
        self.issues.append(self.main.issue(pointer, message))

    def policy(self, index: int, policy: dict[str, Any]) -> None:
        pointer = f"/egress/policies/{index}"
        action = policy.get("action", "")
        if action not in ACTIONS:
            self.add(pointer, f'egress.policies[{index}].action must be "allow" or "deny", got "{action}"')
        self.match(pointer, f"egress.policies[{index}]", policy)

    def grant(self, index: int, grant: dict[str, Any]) -> None:
        pointer, label = f"/egress/credentials/{index}", f"egress.credentials[{index}]"
        style = grant.get("auth_style", "") or "bearer"
        if style not in AUTH_STYLES:
            choices = ", ".join(f'"{s}"' for s in AUTH_STYLES)
            self.add(f"{pointer}/auth_style", f'{label}: auth_style must be one of {choices}, got "{style}"')
        self.secret_ref(pointer, label, style, grant.get("secret_ref", ""))
        if grant.get("header") and style != "raw":
            self.add(f"{pointer}/header", f'{label}: header is only used with auth_style "raw"')
        if not any(grant.get(key) for key in MATCH_FIELDS):
            self.add(pointer, f"{label}: at least one match criterion is required")
        self.match(pointer, label, grant)

    def secret_ref(self, pointer: str, label: str, style: str, ref: str) -> None:
        if style == "none":
            if ref:
                message = f'{label}: secret_ref is never read with auth_style "none"; remove it'
                self.add(f"{pointer}/secret_ref", message)
        elif not ref:
            self.add(pointer, f"{label}: secret_ref is required")
        elif not ref.startswith(SECRET_PREFIX) or ref == SECRET_PREFIX:
            self.add(f"{pointer}/secret_ref", f"{label}: secret_ref must be secret://NAME")

    def match(self, pointer: str, label: str, rule: dict[str, Any]) -> None:
        host = rule.get("host")
        if isinstance(host, str) and host:
            try:
                parse_host_pattern(host)
            except ValueError as exc:
                self.add(f"{pointer}/host", f"{label}.host: {exc}")
        prefix = rule.get("path_prefix")
        if isinstance(prefix, str) and ("?" in prefix or "#" in prefix):
            message = f"{label}.path_prefix: a path only (the query string is not matched)"
            self.add(f"{pointer}/path_prefix", message)
        self.names(pointer, label, rule.get("provider") or "", rule.get("operation") or "")

    def names(self, pointer: str, label: str, provider: str, operation: str) -> None:
        if provider and provider not in self.integrations:
            self.add(f"{pointer}/provider", f'{label}: unknown integration "{provider}"')
            return
        if not operation:
            return
        scope = [self.integrations[provider]] if provider else list(self.integrations.values())
        known = [inline_operation_names(entry) for entry in scope]
        if any(names is None for names in known) or any(operation in names for names in known if names):
            return
        where = f' of integration "{provider}"' if provider else " in any integration"
        self.add(f"{pointer}/operation", f'{label}: unknown operation "{operation}"{where}')


def inline_operation_names(entry: Entry) -> set[str] | None:
    """The names of an integration's operations when the config alone says them (inline REST);
    None when a document, an upstream MCP server or a python factory decides them."""
    plugin = entry.data.get("plugin")
    if not isinstance(plugin, dict) or any(plugin.get(key) for key in _DOCUMENT_KEYS):
        return None
    return {str(op.get("name")) for op in plugin.get("operations") or () if isinstance(op, dict)}
