"""The documents stage: every spec surface's document read and parsed before compiling.

Integrations in name order, as they are compiled; a document that cannot be read is kept as its
reason, and the compiler reports it as that integration's issue, worded as before the stage existed.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from engine.compiler.build import surface_of
from engine.compiler.graphql import INTROSPECTION_BODY, introspection_request_headers
from engine.compiler.sources import Sources
from engine.compiler.templates import TemplateCompileError
from engine.config.spec import ConfigSpec, IntegrationSpec
from engine.documents.reader import Documents
from engine.egress.policy import EgressPolicy
from engine.errors import DocumentUnavailable

SPEC_SURFACES = frozenset({"spec", "composite"})


def load_sources(config: ConfigSpec, locked: bool = False, egress: EgressPolicy | None = None) -> Sources:
    """``locked``: remote documents come only from prepared state (``gestaltd init``); ``egress``:
    the policy live fetches obey."""
    return read_sources(config.integrations.values(), config.path, locked, egress)


def read_sources(
    specs: Iterable[IntegrationSpec],
    config_path: Path,
    locked: bool = False,
    egress: EgressPolicy | None = None,
) -> Sources:
    documents = Documents(config_path, locked, egress)
    found: dict[str, Any] = {}
    failures: dict[str, DocumentUnavailable] = {}
    for spec in sorted(specs, key=lambda s: s.name):
        if surface_of(spec.plugin) not in SPEC_SURFACES:
            continue
        try:
            found[spec.name] = _read(documents, spec)
        except DocumentUnavailable as exc:
            failures[spec.name] = exc
        except TemplateCompileError:
            continue  # a bad auth mapping: compiling the integration reports it
    return Sources(found, failures)


def _read(documents: Documents, spec: IntegrationSpec) -> Any:
    plugin = spec.plugin
    if plugin.openapi:
        return documents.parse(documents.read(plugin.openapi, integration=spec.name))
    headers = introspection_request_headers(plugin)
    return documents.parse(documents.read(plugin.graphql_url, INTROSPECTION_BODY, headers, spec.name))
