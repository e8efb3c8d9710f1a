"""One dispatch table from an integration's surface to the compiler that builds it.

Spec-surface compilers are imported when a config first needs them, so a REST-only deployment
does not pay for the OpenAPI, GraphQL and MCP machinery at start-up."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from engine.compiler.model import Provider
from engine.compiler.rest import compile_rest, issue
from engine.config.issues import ConfigIssue
from engine.config.spec import IntegrationSpec, PluginSpec
from engine.egress.client import HttpClient

if TYPE_CHECKING:
    from engine.compiler.documents import Documents

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
    from engine.compiler.mcp_upstream import compile_mcp_upstream

    return compile_mcp_upstream(spec, client, icon_svg)


def _spec(spec: IntegrationSpec, client: HttpClient, icon_svg: str, documents: Documents | None) -> Built:
    from engine.compiler.spec_surface import compile_spec_surface

    return compile_spec_surface(spec, client, icon_svg, documents)


def _composite(
    spec: IntegrationSpec, client: HttpClient, icon_svg: str, documents: Documents | None
) -> Built:
    from engine.compiler.composite import compile_composite

    return compile_composite(spec, client, icon_svg, documents)


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
    "composite": _composite,  # openapi | graphql_url, plus mcp_url
    "spec": _spec,  # openapi (preferred) | graphql_url
    "mcp": _mcp,
}
