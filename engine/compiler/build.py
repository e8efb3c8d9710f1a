"""One dispatch table from an integration's surface to the compiler that builds it."""

from __future__ import annotations

import importlib
from typing import Any

from engine.compiler.documents import Documents
from engine.compiler.mcp_upstream import compile_mcp_upstream
from engine.compiler.model import Provider
from engine.compiler.rest import compile_rest, issue
from engine.compiler.spec_surface import compile_spec_surface
from engine.config.issues import ConfigIssue
from engine.config.spec import IntegrationSpec
from engine.egress.client import HttpClient


def build_provider(
    spec: IntegrationSpec, client: HttpClient, icon_svg: str = "", documents: Documents | None = None
) -> tuple[Provider | None, list[ConfigIssue]]:
    """Compile one integration. A provider is returned only when there are no issues."""
    plugin = spec.plugin
    if plugin.python:
        return _python_provider(spec, client)
    if plugin.operations:
        provider, issues = compile_rest(spec, client, icon_svg)
        return (None if issues else provider), issues
    if plugin.openapi or plugin.graphql_url:
        return compile_spec_surface(spec, client, icon_svg, documents)
    if plugin.mcp_url and not (plugin.openapi or plugin.graphql_url):
        return compile_mcp_upstream(spec, icon_svg)
    surface = next(
        (k for k in ("openapi", "graphql_url", "mcp_url") if getattr(plugin, k)), "command/package/source"
    )
    return None, [issue(spec.origin, f'integration "{spec.name}": {surface} surfaces are not supported yet')]


def _python_provider(spec: IntegrationSpec, client: HttpClient) -> tuple[Provider | None, list[ConfigIssue]]:
    """``plugin.python: "package.module:factory"``; the factory gets the spec and the egress client."""
    module_name, _, attr = spec.plugin.python.partition(":")
    try:
        factory: Any = getattr(importlib.import_module(module_name), attr or "provider")
        provider: Provider = factory(spec, client)
    except Exception as exc:  # import errors, factory errors: reported, never fatal to others
        return None, [
            issue(spec.origin, f'plugin.python "{spec.plugin.python}" failed: {type(exc).__name__}: {exc}')
        ]
    return provider, []
