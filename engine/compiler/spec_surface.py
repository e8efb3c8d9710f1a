"""Spec-backed surfaces: ``openapi`` (preferred when both are set, as the reference does) or
``graphql_url``. Picks the compiler for one integration."""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.compiler.sources import Sources
from engine.config.issues import ConfigIssue
from engine.config.spec import IntegrationSpec

if TYPE_CHECKING:  # each compiler is imported only by a config that has its surface
    from engine.compiler.graphql import GraphQLInfo
    from engine.compiler.openapi import OpenAPIInfo


def compile_spec_surface(
    spec: IntegrationSpec, sources: Sources, icon_svg: str = ""
) -> tuple[OpenAPIInfo | GraphQLInfo | None, list[ConfigIssue]]:
    if spec.plugin.openapi:
        from engine.compiler.openapi import compile_openapi

        return compile_openapi(spec, sources, icon_svg)
    from engine.compiler.graphql import compile_graphql

    return compile_graphql(spec, sources, icon_svg)
