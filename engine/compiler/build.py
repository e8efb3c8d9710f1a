"""One dispatch table from an integration's surface to the compiler that builds it."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from engine.compiler.composite import compile_composite
from engine.compiler.documents import Documents
from engine.compiler.mcp_upstream import compile_mcp_upstream
from engine.compiler.model import Provider
from engine.compiler.rest import compile_rest, issue
from engine.compiler.spec_surface import compile_spec_surface
from engine.config.issues import ConfigIssue
from engine.config.spec import IntegrationSpec, PluginSpec
from engine.egress.client import HttpClient

Built = tuple[Provider | None, list[ConfigIssue]]
Compiler = Callable[[IntegrationSpec, HttpClient, str, "Documents | None"], Built]


def build_provider(
    spec: IntegrationSpec, client: HttpClient, icon_svg: str = "", documents: Documents | None = None
) -> Built:
    """Compile one integration. A provider is returned only when there are no issues."""
    compiler = COMPILERS.get(surface_of(spec.plugin))
    if compiler is None:
        message = f'integration "{spec.name}": command/package/source surfaces are not supported yet'
        return None, [issue(spec.origin, message)]
    return compiler(spec, client, icon_svg, documents)


def surface_of(plugin: PluginSpec) -> str:
    """The key of ``COMPILERS`` that builds this plugin ("" when none does)."""
    api = bool(plugin.openapi or plugin.graphql_url)
    if plugin.python:
        return "python"
    if plugin.operations:
        return "rest"
    if api and plugin.mcp_url:
        return "composite"
    if api:
        return "spec"
    return "mcp" if plugin.mcp_url else ""


def _rest(spec: IntegrationSpec, client: HttpClient, icon_svg: str, documents: Documents | None) -> Built:
    provider, issues = compile_rest(spec, client, icon_svg)
    return (None if issues else provider), issues


def _mcp(spec: IntegrationSpec, client: HttpClient, icon_svg: str, documents: Documents | None) -> Built:
    return compile_mcp_upstream(spec, icon_svg)


def _python(spec: IntegrationSpec, client: HttpClient, icon_svg: str, documents: Documents | None) -> Built:
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


COMPILERS: dict[str, Compiler] = {
    "python": _python,
    "rest": _rest,
    "composite": compile_composite,  # openapi | graphql_url, plus mcp_url
    "spec": compile_spec_surface,  # openapi (preferred) | graphql_url
    "mcp": _mcp,
}
