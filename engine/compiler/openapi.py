"""OpenAPI integrations (3.0, 3.1, 3.2, Swagger 2.0): ``plugin.openapi`` → an ``OpenAPIInfo``.

Stages: the parsed document (read beforehand by ``engine.documents``) → operation drafts →
``allowed_operations`` (filter, alias, description, paginate) → ``managed_parameters`` → base URL
and default auth from the document → runnable Operations. Every problem becomes a ConfigIssue.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from engine.compiler.connections import canonical_connection, compile_connections, default_connection
from engine.compiler.credential_fields import credential_problems
from engine.compiler.model import Connection, Operation, ProviderInfo, described
from engine.compiler.openapi_build import apply_managed, build_operation
from engine.compiler.openapi_operations import OpDraft, extract_operations
from engine.compiler.openapi_schema import Resolver
from engine.compiler.openapi_security import derive_auth, inherit_scheme, merge_auth
from engine.compiler.openapi_servers import server_url
from engine.compiler.pagination import paginated_operations
from engine.compiler.rest import issue
from engine.compiler.selection import select_operations
from engine.compiler.sources import Sources, document_issue
from engine.compiler.templates import TemplateCompileError
from engine.config.issues import ConfigIssue
from engine.config.spec import PLUGIN_CONNECTION, IntegrationSpec, PluginSpec, ResponseMappingSpec
from engine.errors import DocumentUnavailable

_NO_SERVER = "no absolute server URL; set plugin.base_url"


@dataclass(frozen=True, slots=True)
class Catalogue:
    """What one document yields, before config is applied (the expensive, cacheable part)."""

    drafts: list[OpDraft]
    doc: Mapping[str, Any]


@dataclass(kw_only=True)
class OpenAPIInfo(ProviderInfo):
    """A compiled OpenAPI integration: server-variable defaults (under the connection's params),
    the ``response_mapping`` and the operations to paginate."""

    server_defaults: Mapping[str, str] = field(default_factory=dict)
    response_mapping: ResponseMappingSpec | None = None
    paginated: frozenset[str] = frozenset()


def load_catalogue(name: str, sources: Sources) -> Catalogue:
    doc = sources.document(name)
    if not isinstance(doc, Mapping) or not ("openapi" in doc or "swagger" in doc):
        raise DocumentUnavailable("not an OpenAPI or Swagger document (no openapi/swagger key)")
    return Catalogue(extract_operations(doc, Resolver(doc)), doc)


def compile_openapi(
    spec: IntegrationSpec, sources: Sources, icon_svg: str = ""
) -> tuple[OpenAPIInfo | None, list[ConfigIssue]]:
    plugin = spec.plugin
    try:
        catalogue = load_catalogue(spec.name, sources)
    except DocumentUnavailable as exc:
        return None, [document_issue(spec, "openapi", exc)]
    issues: list[ConfigIssue] = []
    selected = select_operations(catalogue.drafts, plugin, lambda m: issues.append(issue(spec.origin, m)))
    server = server_url(catalogue.doc, plugin.openapi, plugin.base_url)
    if not server.absolute:
        issues.append(document_issue(spec, "openapi", DocumentUnavailable(_NO_SERVER)))
    connections = _connections(spec, catalogue.doc, issues)
    conn_name = _surface_connection(plugin)
    ops: dict[str, Operation] = {}
    for item in selected:
        apply_managed(item.draft, plugin.managed_parameters)
        op = build_operation(spec.name, item.draft, server.url, plugin.headers, conn_name)
        if item.annotations:
            op = replace(op, annotations={**op.annotations, **item.annotations})
        ops[op.name] = op
    mapping = plugin.response_mapping
    at = mapping.origin if mapping is not None else None
    paginated = paginated_operations(
        mapping, selected, ops, lambda m: issues.append(issue(at, m, spec.origin))
    )
    if issues:
        return None, issues
    reshaped = mapping is not None and bool(mapping.data_path)
    for name in [n for n, op in ops.items() if op.output_schema and (reshaped or n in paginated)]:
        ops[name] = replace(ops[name], output_schema=None)  # the answer is not the document's shape
    return OpenAPIInfo(
        **described(spec, icon_svg, _title(catalogue.doc)),
        operations=ops,
        connections=connections,
        default_connection=default_connection(plugin),
        server_defaults=server.defaults,
        response_mapping=plugin.response_mapping,
        paginated=paginated,
    ), []


def _surface_connection(plugin: PluginSpec) -> str:
    if plugin.openapi_connection:
        return canonical_connection(plugin.openapi_connection)
    return default_connection(plugin)


def _connections(
    spec: IntegrationSpec, doc: Mapping[str, Any], issues: list[ConfigIssue]
) -> dict[str, Connection]:
    """The surface's connection takes the document's security scheme as its default auth."""
    plugin = spec.plugin
    derived = derive_auth(doc)
    target = _surface_connection(plugin)
    if target == PLUGIN_CONNECTION:
        plugin = replace(plugin, auth=merge_auth(plugin.auth, derived))
    elif target in plugin.connections:
        conn = plugin.connections[target]
        if conn.auth.type == "none" and derived is not None:  # written or not: the scheme, own client
            auth = inherit_scheme(conn.auth, derived)
        else:
            auth = merge_auth(conn.auth, derived) or conn.auth
        plugin = replace(plugin, connections={**plugin.connections, target: replace(conn, auth=auth)})
    issues.extend(issue(o, m, spec.origin) for o, m in credential_problems(plugin))
    try:
        return compile_connections(plugin)
    except TemplateCompileError as exc:
        issues.append(issue(spec.origin, f"auth_mapping: {exc}"))
        return {}


def _title(doc: Mapping[str, Any]) -> str:
    info = doc.get("info")
    title = info.get("title") if isinstance(info, Mapping) else None
    return title if isinstance(title, str) else ""
