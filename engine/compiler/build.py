"""One dispatch table from an integration's surface to the compiler that builds it.

Spec-surface compilers are imported when a config first needs them, so a REST-only deployment
does not pay for the OpenAPI, GraphQL and MCP machinery at start-up. ``plugin.python`` factories
are not compiled: they build their provider themselves (``engine.providers.build``)."""

from __future__ import annotations

from collections.abc import Callable

from engine.compiler.model import ProviderInfo
from engine.compiler.rest import compile_rest, issue
from engine.compiler.sources import Sources
from engine.config.issues import ConfigIssue
from engine.config.spec import IntegrationSpec, PluginSpec

Compiled = tuple[ProviderInfo | None, list[ConfigIssue]]
Compiler = Callable[[IntegrationSpec, str, Sources], Compiled]


def compile_integration(
    spec: IntegrationSpec, icon_svg: str = "", sources: Sources | None = None
) -> Compiled:
    """Compile one integration. Its compiled form is returned only when there are no issues."""
    compiler = COMPILERS.get(surface_of(spec.plugin))
    if compiler is None:
        message = f'integration "{spec.name}": command/package/source surfaces are not supported yet'
        return None, [issue(spec.origin, message)]
    return compiler(spec, icon_svg, sources or Sources())


def surface_of(plugin: PluginSpec) -> str:
    """The key of ``COMPILERS`` that builds this plugin (``python``, or "" when none does)."""
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


def _rest(spec: IntegrationSpec, icon_svg: str, sources: Sources) -> Compiled:
    info, issues = compile_rest(spec, icon_svg)
    return (None if issues else info), issues


def _mcp(spec: IntegrationSpec, icon_svg: str, sources: Sources) -> Compiled:
    from engine.compiler.mcp_upstream import compile_mcp_upstream

    return compile_mcp_upstream(spec, icon_svg)


def _spec(spec: IntegrationSpec, icon_svg: str, sources: Sources) -> Compiled:
    from engine.compiler.spec_surface import compile_spec_surface

    return compile_spec_surface(spec, sources, icon_svg)


def _composite(spec: IntegrationSpec, icon_svg: str, sources: Sources) -> Compiled:
    from engine.compiler.composite import compile_composite

    return compile_composite(spec, sources, icon_svg)


COMPILERS: dict[str, Compiler] = {
    "rest": _rest,
    "composite": _composite,  # openapi | graphql_url, plus mcp_url
    "spec": _spec,  # openapi (preferred) | graphql_url
    "mcp": _mcp,
}
