"""Spec-backed surfaces: ``openapi`` (preferred when both are set, as the reference does) or
``graphql_url``. Picks the compiler and the document source for one integration."""

from __future__ import annotations

from pathlib import Path

from engine.compiler.documents import Documents
from engine.compiler.model import Provider
from engine.config.issues import ConfigIssue
from engine.config.spec import IntegrationSpec
from engine.egress.client import HttpClient


def compile_spec_surface(
    spec: IntegrationSpec, client: HttpClient, icon_svg: str = "", documents: Documents | None = None
) -> tuple[Provider | None, list[ConfigIssue]]:
    if documents is None:
        config = spec.origin.file if spec.origin is not None else Path("gestalt.yaml").resolve()
        documents = Documents(config)
    if spec.plugin.openapi:
        from engine.compiler.openapi import compile_openapi

        return compile_openapi(spec, client, documents, icon_svg)
    from engine.compiler.graphql import compile_graphql

    return compile_graphql(spec, client, documents, icon_svg)
