"""Checks that only matter to a server about to run the config (``validate`` and ``serve``)."""

from __future__ import annotations

from engine.config.issues import ConfigIssue
from engine.config.spec import ConfigSpec, IntegrationSpec

EXTERNAL_UNSUPPORTED = (
    "external plugin processes are not supported by this server; use inline operations, openapi, "
    "graphql_url, mcp_url or plugin.python"
)


def runtime_issues(spec: ConfigSpec) -> list[ConfigIssue]:
    """Issues that make a loadable config unrunnable here: today, external plugin processes."""
    return [_issue(spec, i) for i in spec.integrations.values() if _is_external(i)]


def _is_external(integration: IntegrationSpec) -> bool:
    plugin = integration.plugin
    return bool(plugin.command or plugin.package or plugin.source)


def _issue(spec: ConfigSpec, integration: IntegrationSpec) -> ConfigIssue:
    origin = integration.origin
    if origin is None:
        return ConfigIssue(spec.path, 0, 0, f'integration "{integration.name}": {EXTERNAL_UNSUPPORTED}')
    pointer = f"{origin.pointer}/plugin"
    return ConfigIssue(origin.file, origin.line, origin.col, EXTERNAL_UNSUPPORTED, pointer)
