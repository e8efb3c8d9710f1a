"""A compiled HTTP request shape: everything about an operation's call that is known at startup.

``render`` is the per-call work: substitute path values, encode the query, render the compiled
templates and serialise the JSON body. No parsing or compiling happens here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from engine.compiler.model import QUERY_METHODS, Parameter
from engine.compiler.templates import Template
from engine.egress.request import OutboundRequest
from engine.errors import BadRequest, MissingPathParameter

PLACEHOLDER = re.compile(r"\{([A-Za-z0-9_.\-]+)\}")
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
_JSON = "application/json"


def wire_str(value: Any) -> str:
    """How a typed parameter value is written into a path segment, query string or header."""
    if isinstance(value, str):
        return value
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return ""
    if isinstance(value, int | float):
        return json.dumps(value)
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def interpolate(text: str, values: Mapping[str, str]) -> str:
    """``{key}`` → value for known keys; unknown placeholders are left as they are."""
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


@dataclass(frozen=True, slots=True)
class BodyTemplate:
    """A YAML value whose string leaves are templates. A leaf that is exactly one ``{{ expr }}``
    yields the expression's own value (number, list, …); any other leaf yields a string."""

    shape: Any  # nested dict/list with Template | Expression | plain leaves

    def render(self, context: Mapping[str, Any]) -> Any:
        return _render_node(self.shape, context)


@dataclass(frozen=True, slots=True)
class Expression:
    source: str
    fn: Any  # jinja2 compiled expression

    def evaluate(self, context: Mapping[str, Any]) -> Any:
        try:
            value = self.fn(**context)
        except Exception as exc:
            raise BadRequest(f"template rendering failed: {type(exc).__name__}") from None
        if type(value).__name__ == "StrictUndefined" or value.__class__.__name__.endswith("Undefined"):
            raise BadRequest("template rendering failed: undefined value")
        return value


def _render_node(node: Any, context: Mapping[str, Any]) -> Any:
    if isinstance(node, Template):
        return node.render(context)
    if isinstance(node, Expression):
        return node.evaluate(context)
    if isinstance(node, dict):
        return {k: _render_node(v, context) for k, v in node.items()}
    if isinstance(node, list):
        return [_render_node(v, context) for v in node]
    return node


@dataclass(frozen=True, slots=True)
class RequestTemplate:
    method: str
    base_url: str
    base_url_has_params: bool
    path_parts: tuple[tuple[bool, str], ...]  # (is_param, literal-or-param-name)
    static_headers: tuple[tuple[str, str], ...]
    header_templates: tuple[tuple[str, Template], ...]
    query_templates: tuple[tuple[str, Template], ...]
    body_template: BodyTemplate | None
    query_params: tuple[Parameter, ...]
    header_params: tuple[Parameter, ...]
    body_params: tuple[Parameter, ...]
    passthrough: bool
    uses_context: bool  # any template present: build the context dict
    body_param: Parameter | None = None  # its value is the whole JSON body (OpenAPI non-object bodies)
    path_names: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        names = frozenset(name for is_param, name in self.path_parts if is_param)
        object.__setattr__(self, "path_names", names)

    def render(
        self,
        params: Mapping[str, Any],
        connection_params: Mapping[str, str],
        credentials: Mapping[str, str] | None = None,
    ) -> OutboundRequest:
        method = self.method
        path = self._path(params)
        base = interpolate(self.base_url, connection_params) if self.base_url_has_params else self.base_url
        context: dict[str, Any] = {}
        if self.uses_context:
            context = {"params": params, "connection": {"params": dict(connection_params)}}
        query = self._query(params, context)
        headers = self._headers(params, context, connection_params, credentials)
        body: bytes | None = None
        if self.passthrough:
            rest = {k: v for k, v in params.items() if k not in self.path_names}
            if method in QUERY_METHODS or method not in BODY_METHODS:
                for k, v in rest.items():
                    query.extend(_pairs(k, v))
            else:
                body = _dump(rest)
        elif self.body_template is not None or self.body_params or self.body_param or method in BODY_METHODS:
            body = self._body(params, context)
        if body is not None:
            headers.setdefault("Content-Type", _JSON)
        url = base + path
        if query:
            url += "?" + "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in query)
        return OutboundRequest(method, url, headers, body)

    def _path(self, params: Mapping[str, Any]) -> str:
        out = []
        for is_param, text in self.path_parts:
            if not is_param:
                out.append(text)
                continue
            value = params.get(text)
            if value is None or value == "":
                raise MissingPathParameter(text)
            out.append(quote(wire_str(value), safe=""))
        return "".join(out)

    def _query(self, params: Mapping[str, Any], context: Mapping[str, Any]) -> list[tuple[str, str]]:
        pairs: list[tuple[str, str]] = []
        for p in self.query_params:
            if p.name in params:
                pairs.extend(_pairs(p.key, params[p.name]))
        for key, tpl in self.query_templates:
            pairs.append((key, tpl.render(context)))
        return pairs

    def _headers(
        self,
        params: Mapping[str, Any],
        context: dict[str, Any],
        connection_params: Mapping[str, str],
        credentials: Mapping[str, str] | None,
    ) -> dict[str, str]:
        headers = {k: interpolate(v, connection_params) for k, v in self.static_headers}
        if self.header_templates:
            ctx = dict(context, credentials=credentials or {})
            for key, tpl in self.header_templates:
                headers[key] = tpl.render(ctx)
        for p in self.header_params:
            if p.name in params:
                headers[p.key] = wire_str(params[p.name])
        return headers

    def _body(self, params: Mapping[str, Any], context: Mapping[str, Any]) -> bytes:
        doc: Any = self.body_template.render(context) if self.body_template is not None else {}
        if self.body_param is not None and self.body_param.name in params:
            doc = params[self.body_param.name]
        if self.body_params:
            if not isinstance(doc, dict):
                doc = {}
            for p in self.body_params:
                if p.name in params:
                    doc[p.key] = params[p.name]
        return _dump(doc)


def _pairs(key: str, value: Any) -> list[tuple[str, str]]:
    if isinstance(value, list):
        return [(key, wire_str(v)) for v in value]
    return [(key, wire_str(value))]


def _dump(doc: Any) -> bytes:
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode()
