"""Checks that only matter to a server about to run the config (``validate`` and ``serve``): what
a reference config may say that this server would accept and then not do. Each is refused at its
place in the file rather than ignored: external plugin processes, a UI plugin, an unknown
telemetry provider."""

from __future__ import annotations

from engine.config.issues import ConfigIssue
from engine.config.spec import ConfigSpec, IntegrationSpec

EXTERNAL_UNSUPPORTED = (
    "external plugin processes are not supported by this server; use inline operations, openapi, "
    "graphql_url, mcp_url or plugin.python"
)
UI_PLUGIN_UNSUPPORTED = (
    "ui.plugin is not supported by this server: it serves its own pages and runs no UI plugin; "
    "remove ui.plugin"
)
TELEMETRY_PROVIDERS = ("stdout", "noop", "otlp")


def runtime_issues(spec: ConfigSpec) -> list[ConfigIssue]:
    """Issues that make a loadable config unrunnable here."""
    external = [_external(spec, i) for i in spec.integrations.values() if _is_external(i)]
    return external + unenforced_issues(spec)


def unenforced_issues(spec: ConfigSpec) -> list[ConfigIssue]:
    """Settings of the deployment (not of one integration) this server would accept and ignore;
    ``serve`` refuses to start on them as ``validate`` reports them."""
    issues: list[ConfigIssue] = []
    provider = spec.telemetry.provider
    if provider not in (*TELEMETRY_PROVIDERS, ""):
        known = ", ".join(f'"{p}"' for p in TELEMETRY_PROVIDERS)
        message = f'unknown telemetry provider "{provider}" (expected {known})'
        issues.append(ConfigIssue(spec.path, 0, 0, message, "/telemetry/provider"))
    if spec.ui.get("plugin"):
        issues.append(ConfigIssue(spec.path, 0, 0, UI_PLUGIN_UNSUPPORTED, "/ui/plugin"))
    return issues


def _is_external(integration: IntegrationSpec) -> bool:
    plugin = integration.plugin
    return bool(plugin.command or plugin.package or plugin.source)


def _external(spec: ConfigSpec, integration: IntegrationSpec) -> ConfigIssue:
    origin = integration.origin
    if origin is None:
        return ConfigIssue(spec.path, 0, 0, f'integration "{integration.name}": {EXTERNAL_UNSUPPORTED}')
    pointer = f"{origin.pointer}/plugin"
    return ConfigIssue(origin.file, origin.line, origin.col, EXTERNAL_UNSUPPORTED, pointer)
