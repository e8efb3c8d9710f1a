"""GraphQL integrations (``graphql_url``): one operation per query and mutation root field.

The schema comes from an introspection POST that ``engine.documents`` sends before compiling (or
from ``gestaltd init`` state), with the plugin headers and the surface connection's identity
credential (``introspection_headers``). Calls are ``engine.providers.graphql``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from engine.compiler.connections import canonical_connection, compile_connections, default_connection
from engine.compiler.credential_fields import credential_problems
from engine.compiler.graphql_schema import INTROSPECTION_QUERY, GraphQLTypes, query_text
from engine.compiler.model import Connection, Operation, ProviderInfo, described
from engine.compiler.parameter import Parameter
from engine.compiler.request import PLACEHOLDER, RequestTemplate, interpolate
from engine.compiler.rest import issue
from engine.compiler.schema import annotations_for
from engine.compiler.selection import select_operations
from engine.compiler.sources import Sources, document_issue
from engine.config.issues import ConfigIssue
from engine.config.spec import IntegrationSpec, PluginSpec
from engine.errors import DocumentUnavailable

INTROSPECTION_BODY = orjson.dumps({"query": INTROSPECTION_QUERY})


@dataclass(slots=True)
class FieldDraft:
    name: str
    description: str
    kind: str  # query | mutation
    field: Mapping[str, Any]


@dataclass(kw_only=True)
class GraphQLInfo(ProviderInfo):
    queries: Mapping[str, str] = field(default_factory=dict)  # operation name → query text


def introspection_request_headers(plugin: PluginSpec) -> dict[str, str]:
    """The headers of the introspection POST, through the surface connection (``graphql_connection``)."""
    connections = compile_connections(plugin)
    name = canonical_connection(plugin.graphql_connection or default_connection(plugin))
    return introspection_headers(plugin, connections.get(name))


def introspection_headers(plugin: PluginSpec, connection: Connection | None) -> dict[str, str]:
    """Plugin and managed headers plus the connection's identity credential, when configured."""
    params = {k: v.default for k, v in (connection.params if connection else {}).items() if v.default}
    headers = {k: interpolate(v, params) for k, v in plugin.headers.items()}
    headers.update({m.name: m.value for m in plugin.managed_parameters if m.in_ == "header"})
    if connection is not None and connection.identity:
        fields = dict(connection.identity)
        fields.setdefault("token", next(iter(fields.values())) if len(fields) == 1 else "")
        connection.injector.apply(fields, headers, params)
    return headers


def compile_graphql(
    spec: IntegrationSpec, sources: Sources, icon_svg: str = ""
) -> tuple[GraphQLInfo | None, list[ConfigIssue]]:
    plugin = spec.plugin
    connections = compile_connections(plugin)
    conn_name = canonical_connection(plugin.graphql_connection or default_connection(plugin))
    try:
        schema = load_schema(spec.name, sources)
    except DocumentUnavailable as exc:
        return None, [document_issue(spec, "graphql_url", exc)]
    types = GraphQLTypes(schema)
    issues = [issue(o, m, spec.origin) for o, m in credential_problems(plugin)]
    selected = select_operations(
        _drafts(schema, types), plugin, lambda m: issues.append(issue(spec.origin, m))
    )
    mapping = plugin.response_mapping
    if any(s.paginate for s in selected) or (mapping is not None and mapping.paginate):
        issues.append(
            issue(spec.origin, f'integration "{spec.name}": GraphQL operations do not follow pages yet')
        )
    if not selected and not issues:
        issues.append(
            issue(spec.origin, f'integration "{spec.name}": no operations found for {plugin.graphql_url}')
        )
    if issues:
        return None, issues
    url = (plugin.base_url or plugin.graphql_url).rstrip("/")
    headers = {**plugin.headers, **{m.name: m.value for m in plugin.managed_parameters if m.in_ == "header"}}
    ops = {s.draft.name: _operation(spec.name, s.draft, types, url, headers, conn_name) for s in selected}
    return GraphQLInfo(
        **described(spec, icon_svg),
        operations=ops,
        connections=connections,
        default_connection=default_connection(plugin),
        queries={s.draft.name: query_text(s.draft.kind, s.draft.field, types) for s in selected},
    ), []


def load_schema(name: str, sources: Sources) -> Mapping[str, Any]:
    """The ``__schema`` of the integration's introspection result (fetched by ``engine.documents``)."""
    doc = sources.document(name)
    if isinstance(doc, Mapping) and doc.get("errors"):
        raise DocumentUnavailable(f"introspection failed: {doc['errors']}")
    schema = doc.get("data", {}).get("__schema") if isinstance(doc, Mapping) else None
    if not isinstance(schema, Mapping):
        raise DocumentUnavailable("introspection returned no __schema")
    return schema


def _drafts(schema: Mapping[str, Any], types: GraphQLTypes) -> list[FieldDraft]:
    roots = [(k, (schema.get(f"{k}Type") or {}).get("name")) for k in ("query", "mutation")]
    fields = [(kind, f) for kind, root in roots if root for f in types.fields(str(root))]
    counts: dict[str, int] = {}
    for _, f in fields:
        counts[f["name"]] = counts.get(f["name"], 0) + 1
    return [
        FieldDraft(
            f"{kind}_{f['name']}" if counts[f["name"]] > 1 else f["name"], f.get("description") or "", kind, f
        )
        for kind, f in fields
    ]


def _operation(
    integration: str, draft: FieldDraft, types: GraphQLTypes, url: str, headers: Mapping[str, str], conn: str
) -> Operation:
    args = draft.field.get("args") or ()
    params = tuple(
        Parameter(a["name"], types.param_type(a["type"]), "body", _required(a), a.get("description") or "")
        for a in args
    )
    props = {a["name"]: {**types.input_schema(a["type"]), **_described(a)} for a in args}
    required = [p.name for p in params if p.required]
    schema: dict[str, Any] = {"type": "object", "properties": props, "additionalProperties": False}
    if required:
        schema["required"] = required
    request = RequestTemplate(
        "POST", url, bool(PLACEHOLDER.search(url)), (), tuple(headers.items()), (), (), None, (), (), (),
        passthrough=False, uses_context=False,
    )  # fmt: skip
    return Operation(
        integration, draft.name, "POST", "", draft.description.strip(), params, schema,
        annotations_for("GET" if draft.kind == "query" else "POST"), conn, request,
        transport="graphql", by_name={p.name: p for p in params},
    )  # fmt: skip


def _required(arg: Mapping[str, Any]) -> bool:
    return bool(arg["type"].get("kind") == "NON_NULL" and arg.get("defaultValue") is None)


def _described(arg: Mapping[str, Any]) -> dict[str, str]:
    return {"description": arg["description"]} if arg.get("description") else {}
