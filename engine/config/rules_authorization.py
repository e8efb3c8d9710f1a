"""Checks on ``authorization``: every role an assignment or a provider file names is declared,
every grant names a known integration and, where the config alone says them (inline REST), known
operations. A name that could never match is an error here, not a grant that silently matches
nothing. Glob patterns and the operations of document-defined integrations are not checked.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.config.issues import ConfigIssue
from engine.config.merge import Entry
from engine.config.rules_egress import inline_operation_names
from engine.config.spec_authorization import ANY_INTEGRATION
from engine.config.yaml_tree import Document, escape

GLOB_CHARS = frozenset("*?[")


def authorization_issues(main: Document, integrations: Mapping[str, Entry]) -> list[ConfigIssue]:
    data = main.data if isinstance(main.data, dict) else {}
    section = data.get("authorization")
    issues: list[ConfigIssue] = []
    if not isinstance(section, dict):
        for entry in integrations.values():
            if entry.data.get("authorization"):
                message = "authorization grants need an authorization section in the deployment config"
                issues.append(entry.issue("/authorization", message))
        return issues
    roles = set(section.get("roles") or {})
    for index, assignment in enumerate(section.get("assignments") or ()):
        for position, role in enumerate(assignment.get("roles") or ()):
            if role not in roles:
                pointer = f"/authorization/assignments/{index}/roles/{position}"
                issues.append(main.issue(pointer, f'unknown role "{role}"'))
    for role, grants in (section.get("roles") or {}).items():
        for index, grant in enumerate(grants or ()):
            at = f"/authorization/roles/{escape(role)}/{index}"
            issues += _grant(main, at, grant, integrations)
    for entry in integrations.values():
        issues += _provider_grants(entry, roles, integrations)
    return issues


def _provider_grants(entry: Entry, roles: set[str], integrations: Mapping[str, Entry]) -> list[ConfigIssue]:
    issues: list[ConfigIssue] = []
    for role, grants in (entry.data.get("authorization") or {}).items():
        at = f"/authorization/{escape(role)}"
        if role not in roles:
            issues.append(entry.issue(at, f'unknown role "{role}" (declare it under authorization.roles)'))
        for index, grant in enumerate(grants or ()):
            if "integration" in grant:
                message = "a provider file's grants are on its own integration: remove integration"
                issues.append(entry.issue(f"{at}/{index}/integration", message))
                continue
            pointer = entry.pointer + f"{at}/{index}"
            issues += _grant(entry.document, pointer, {**grant, "integration": entry.name}, integrations)
    return issues


def _grant(
    document: Document, at: str, grant: dict[str, Any], integrations: Mapping[str, Entry]
) -> list[ConfigIssue]:
    name = grant.get("integration") or ANY_INTEGRATION
    if name == ANY_INTEGRATION:
        return []
    entry = integrations.get(name)
    if entry is None:
        return [document.issue(f"{at}/integration", f'unknown integration "{name}"')]
    known = inline_operation_names(entry)
    if known is None:
        return []
    return [
        document.issue(f"{at}/operations/{i}", f'unknown operation "{op}" of integration "{name}"')
        for i, op in enumerate(grant.get("operations") or ())
        if not GLOB_CHARS & set(op) and op not in known
    ]
