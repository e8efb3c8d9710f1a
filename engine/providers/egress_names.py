"""The operation names of egress rules and grants that only compiling could check.

Loading checks names against inline operations (``config.rules_egress``); an operation of an
OpenAPI or GraphQL integration exists only once its document is compiled, so it is checked here,
against the compiled providers, at the rule's place in the file. Integrations that failed to
compile and upstream MCP tools (known per caller) cannot be checked and are left alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from engine.config.issues import ConfigIssue
from engine.config.spec import EgressMatchSpec, EgressSpec, IntegrationSpec, Origin
from engine.providers.model import Provider


def unknown_egress_operations(
    egress: EgressSpec, providers: Mapping[str, Provider], integrations: Mapping[str, IntegrationSpec]
) -> list[ConfigIssue]:
    issues: list[ConfigIssue] = []
    rules: list[tuple[str, EgressMatchSpec, Origin | None]] = [
        *((f"egress.policies[{i}]", r, r.origin) for i, r in enumerate(egress.policies)),
        *((f"egress.credentials[{i}]", g, g.origin) for i, g in enumerate(egress.credentials)),
    ]
    for label, rule, origin in rules:
        if rule.operation and _unknown(rule, providers, integrations):
            where = f' of integration "{rule.provider}"' if rule.provider else " in any integration"
            message = f'{label}: unknown operation "{rule.operation}"{where}'
            at = origin or Origin(Path())
            issues.append(ConfigIssue(at.file, at.line, at.col, message, at.pointer))
    return issues


def _unknown(
    rule: EgressMatchSpec, providers: Mapping[str, Provider], integrations: Mapping[str, IntegrationSpec]
) -> bool:
    names = [rule.provider] if rule.provider else list(integrations)
    if all(_inline(integrations[n]) for n in names if n in integrations):
        return False  # loading has decided these already
    for name in names:
        provider = providers.get(name)
        if provider is None or hasattr(provider, "dynamic_operation"):
            return False  # not compiled, or its operations are per caller: cannot tell
        if rule.operation in provider.operations:
            return False
    return True


def _inline(spec: IntegrationSpec) -> bool:
    plugin = spec.plugin
    return not (plugin.openapi or plugin.graphql_url or plugin.mcp_url or plugin.python)
