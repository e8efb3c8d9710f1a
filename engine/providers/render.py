"""Rendering a compiled ``RequestTemplate`` into an outbound request: the per-call work.

Substitute path values, encode the query, render the compiled templates and serialise the JSON
body. Path, query and header values are written in their compiled styles
(``engine.providers.styles``). No parsing or compiling happens here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from engine.compiler.parameter import QUERY_METHODS
from engine.compiler.request import BodyTemplate, Expression, RequestTemplate, interpolate
from engine.compiler.templates import Template
from engine.egress.request import OutboundRequest
from engine.errors import BadRequest, MissingPathParameter
from engine.providers.bodies import encode_body
from engine.providers.styles import header_text, path_text, query_fragments, wire_str

BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
_JSON = "application/json"


def render_request(
    template: RequestTemplate,
    params: Mapping[str, Any],
    connection_params: Mapping[str, str],
    credentials: Mapping[str, str] | None = None,
) -> OutboundRequest:
    t, method = template, template.method
    path = render_path(t, params)
    base = interpolate(t.base_url, connection_params) if t.base_url_has_params else t.base_url
    context: dict[str, Any] = {}
    if t.uses_context:
        context = {"params": params, "connection": {"params": dict(connection_params)}}
    query = _query(t, params, context)
    headers = _headers(t, params, context, connection_params, credentials)
    body: bytes | None = None
    content_type = _JSON
    if t.passthrough:
        rest = {k: v for k, v in params.items() if k not in t.path_names}
        if method in QUERY_METHODS or method not in BODY_METHODS:
            for k, v in rest.items():
                query.extend(_encoded(k, v))
        else:
            body, content_type = encode_body(t, rest)
    elif t.body_template is not None or t.body_params or t.body_param or method in BODY_METHODS:
        body, content_type = encode_body(t, _document(t, params, context))
    if body is not None:
        _content_type(headers, content_type, t.body_format)
    url = base + path
    if query:
        url += "?" + "&".join(query)
    return OutboundRequest(method, url, headers, body)


def render_body(body: BodyTemplate, context: Mapping[str, Any]) -> Any:
    return _render_node(body.shape, context)


def evaluate(expression: Expression, context: Mapping[str, Any]) -> Any:
    try:
        value = expression.fn(**context)
    except Exception as exc:
        raise BadRequest(f"template rendering failed: {type(exc).__name__}") from None
    if type(value).__name__ == "StrictUndefined" or value.__class__.__name__.endswith("Undefined"):
        raise BadRequest("template rendering failed: undefined value")
    return value


def _render_node(node: Any, context: Mapping[str, Any]) -> Any:
    if isinstance(node, Template):
        return node.render(context)
    if isinstance(node, Expression):
        return evaluate(node, context)
    if isinstance(node, dict):
        return {k: _render_node(v, context) for k, v in node.items()}
    if isinstance(node, list):
        return [_render_node(v, context) for v in node]
    return node


def render_path(t: RequestTemplate, params: Mapping[str, Any]) -> str:
    """The path with its parameters substituted and escaped (the egress check before credentials
    uses it too)."""
    out = []
    for is_param, text in t.path_parts:
        if not is_param:
            out.append(text)
            continue
        value = params.get(text)
        if value is None or value == "":
            raise MissingPathParameter(text)
        p = t.path_by_name.get(text)
        out.append(path_text(p.style, p.key, value) if p is not None else quote(wire_str(value), safe=""))
    return "".join(out)


def _query(t: RequestTemplate, params: Mapping[str, Any], context: Mapping[str, Any]) -> list[str]:
    """Encoded ``key=value`` fragments."""
    fragments: list[str] = []
    for p in t.query_params:
        if p.name in params:
            fragments.extend(query_fragments(p.style, p.key, params[p.name]))
    for key, tpl in t.query_templates:
        fragments.append(f"{quote(key, safe='')}={quote(tpl.render(context), safe='')}")
    return fragments


def _headers(
    t: RequestTemplate,
    params: Mapping[str, Any],
    context: dict[str, Any],
    connection_params: Mapping[str, str],
    credentials: Mapping[str, str] | None,
) -> dict[str, str]:
    headers = {k: interpolate(v, connection_params) for k, v in t.static_headers}
    if t.header_templates:
        ctx = dict(context, credentials=credentials or {})
        for key, tpl in t.header_templates:
            headers[key] = tpl.render(ctx)
    for p in t.header_params:
        if p.name in params:
            headers[p.key] = header_text(p.style, params[p.name])
    return headers


def _content_type(headers: dict[str, str], content_type: str, body_format: str) -> None:
    """A configured Content-Type stays on a JSON or text body; a form, multipart or file body is
    what its encoder wrote (a multipart boundary must match the body)."""
    if body_format in ("json", "text"):
        headers.setdefault("Content-Type", content_type)
        return
    for key in [k for k in headers if k.lower() == "content-type"]:
        del headers[key]
    headers["Content-Type"] = content_type


def _document(t: RequestTemplate, params: Mapping[str, Any], context: Mapping[str, Any]) -> Any:
    doc: Any = render_body(t.body_template, context) if t.body_template is not None else {}
    if t.body_param is not None and t.body_param.name in params:
        doc = params[t.body_param.name]
    if t.body_params:
        if not isinstance(doc, dict):
            doc = {}
        for p in t.body_params:
            if p.name in params:
                doc[p.key] = params[p.name]
    return doc


def _encoded(key: str, value: Any) -> list[str]:
    """An undeclared (passed-through) value: an array repeats the key; anything else is one value."""
    k = quote(key, safe="")
    if isinstance(value, list):
        return [f"{k}={quote(wire_str(v), safe='')}" for v in value]
    return [f"{k}={quote(wire_str(value), safe='')}"]
