"""GraphQL integrations (``graphql_url``): one operation per query and mutation root field.

The schema comes from an introspection POST at startup (or ``gestaltd init`` state), sent with the
surface connection's identity credential and the plugin headers when there are any. A call is a
POST of ``{"query", "variables"}``; ``errors`` become a 502 with the messages joined by ``; ``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import orjson

from engine.compiler.connections import canonical_connection, compile_connections, default_connection
from engine.compiler.documents import Documents
from engine.compiler.graphql_schema import INTROSPECTION_QUERY, GraphQLTypes, query_text
from engine.compiler.model import Connection, Operation, OperationCall, Parameter, ProviderInfo, described
from engine.compiler.request import PLACEHOLDER, RequestTemplate, interpolate
from engine.compiler.rest import issue
from engine.compiler.schema import annotations_for
from engine.compiler.selection import select_operations
from engine.config.issues import ConfigIssue
from engine.config.spec import IntegrationSpec, PluginSpec
from engine.egress.client import HttpClient
from engine.egress.request import Result
from engine.errors import DocumentUnavailable, UpstreamInvalidResponse, UpstreamOperationError

INTROSPECTION_BODY = orjson.dumps({"query": INTROSPECTION_QUERY})


@dataclass(slots=True)
class FieldDraft:
    name: str
    description: str
    kind: str  # query | mutation
    field: Mapping[str, Any]


@dataclass(kw_only=True)
class GraphQLProvider(ProviderInfo):
    client: HttpClient
    queries: Mapping[str, str] = field(default_factory=dict)  # operation name → query text

    async def execute(self, call: OperationCall) -> Result:
        credential, connection_params = call.credential, call.connection_params
        request = call.operation.request.render({}, connection_params, credential)
        body: dict[str, Any] = {"query": self.queries[call.operation.name]}
        if call.params:
            body["variables"] = call.params
        request.body = orjson.dumps(body)
        extra = call.connection.injector.apply(credential, request.headers, connection_params)
        if extra:
            request.url += "?" + urlencode(extra)
        request.integration, request.operation = self.name, call.operation.name
        return graphql_result(await self.client.send(request))


def graphql_result(result: Result) -> Result:
    try:
        doc = orjson.loads(result.body)
    except orjson.JSONDecodeError:
        raise UpstreamInvalidResponse() from None
    if not isinstance(doc, dict):
        raise UpstreamInvalidResponse()
    errors = doc.get("errors")
    if isinstance(errors, list) and errors:
        messages = [str(e.get("message", e)) if isinstance(e, dict) else str(e) for e in errors]
        raise UpstreamOperationError("; ".join(messages))
    data = doc.get("data", doc)
    return Result(result.status, "application/json", orjson.dumps(data))


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
    spec: IntegrationSpec, client: HttpClient, documents: Documents, icon_svg: str = ""
) -> tuple[GraphQLProvider | None, list[ConfigIssue]]:
    plugin = spec.plugin
    connections = compile_connections(plugin)
    conn_name = canonical_connection(plugin.graphql_connection or default_connection(plugin))
    try:
        schema = load_schema(plugin, connections.get(conn_name), documents)
    except DocumentUnavailable as exc:
        return None, [issue(spec.origin, f'integration "{spec.name}": graphql {plugin.graphql_url}: {exc}')]
    types = GraphQLTypes(schema)
    issues: list[ConfigIssue] = []
    selected = select_operations(
        _drafts(schema, types), plugin, lambda m: issues.append(issue(spec.origin, m))
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
    return GraphQLProvider(
        **described(spec, icon_svg),
        client=client,
        operations=ops,
        connections=connections,
        default_connection=default_connection(plugin),
        queries={s.draft.name: query_text(s.draft.kind, s.draft.field, types) for s in selected},
    ), []


def load_schema(plugin: PluginSpec, connection: Connection | None, documents: Documents) -> Mapping[str, Any]:
    raw = documents.read(plugin.graphql_url, INTROSPECTION_BODY, introspection_headers(plugin, connection))
    doc = documents.parse(raw)
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
