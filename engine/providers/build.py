"""What the compiler produced, bound to the outbound client: one runnable provider per integration.

Each compiled kind has its provider, which is the same object plus the client (``RUNNERS``); a
composite binds its two halves. ``plugin.python: "package.module:factory"`` is the exception: the
factory gets the spec and the client and builds its provider itself.
"""

from __future__ import annotations

import dataclasses
import importlib
from typing import Any

from engine.compiler.build import compile_integration, surface_of
from engine.compiler.model import ProviderInfo
from engine.compiler.rest import issue
from engine.compiler.sources import Sources
from engine.config.issues import ConfigIssue
from engine.config.spec import IntegrationSpec
from engine.egress.client import HttpClient
from engine.providers.model import Provider
from engine.providers.rest import RestProvider

Built = tuple[Provider | None, list[ConfigIssue]]


def build_provider(
    spec: IntegrationSpec, client: HttpClient, icon_svg: str = "", sources: Sources | None = None
) -> Built:
    """Compile and bind one integration. A provider is returned only when there are no issues."""
    if surface_of(spec.plugin) == "python":
        return _python(spec, client)
    info, issues = compile_integration(spec, icon_svg, sources)
    return (bind(info, client) if info is not None else None), issues


def bind(info: ProviderInfo, client: HttpClient) -> Provider:
    if type(info).__name__ == "CompositeInfo":
        return _composite(info, client)
    runner = _runner(type(info))
    provider: Provider = runner(**_fields(info, type(info)), client=client)
    return provider


def _composite(info: Any, client: HttpClient) -> Provider:
    from engine.providers.composite import CompositeProvider
    from engine.providers.mcp_upstream import McpUpstreamProvider

    upstream = bind(info.upstream, client)
    assert isinstance(upstream, McpUpstreamProvider)
    return CompositeProvider(**_fields(info, ProviderInfo), api=bind(info.api, client), upstream=upstream)


def _runner(kind: type[ProviderInfo]) -> Any:
    """The provider class of a compiled kind, by the kind's name: a kind's modules are imported
    only by a config that has it."""
    if kind is ProviderInfo:
        return RestProvider
    module, name = RUNNERS[kind.__name__]
    return getattr(importlib.import_module(module), name)


RUNNERS = {
    "OpenAPIInfo": ("engine.providers.spec", "SpecProvider"),
    "GraphQLInfo": ("engine.providers.graphql", "GraphQLProvider"),
    "McpUpstreamInfo": ("engine.providers.mcp_upstream", "McpUpstreamProvider"),
}


def _fields(info: ProviderInfo, kind: type[ProviderInfo]) -> dict[str, Any]:
    return {f.name: getattr(info, f.name) for f in dataclasses.fields(kind)}


def _python(spec: IntegrationSpec, client: HttpClient) -> Built:
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
