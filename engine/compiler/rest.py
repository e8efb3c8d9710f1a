"""Inline REST integrations: ``plugin.base_url`` + ``plugin.operations`` → their operations.

Every problem is collected as a ConfigIssue pointing at the operation or parameter that caused
it, so ``gestaltd validate`` can report them all at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.compiler.bodies import FILE_STYLE, body_format, file_problem
from engine.compiler.connections import canonical_connection, compile_connections, default_connection
from engine.compiler.credential_fields import credential_problems
from engine.compiler.model import Operation, ProviderInfo, described
from engine.compiler.parameter import QUERY_METHODS, Parameter
from engine.compiler.request import PLACEHOLDER, BodyTemplate, Expression, RequestTemplate
from engine.compiler.schema import annotations_for, input_schema, normalise_type
from engine.compiler.styles import compiled_style, style_problem
from engine.compiler.templates import (
    Template,
    TemplateCompileError,
    compile_expression,
    compile_template,
    is_template,
)
from engine.config.issues import ConfigIssue
from engine.config.spec import MISSING, IntegrationSpec, OperationSpec, Origin, ParameterSpec

_REQUEST_CONTEXT = frozenset({"params", "connection"})
_HEADER_CONTEXT = frozenset({"params", "connection", "credentials"})


def issue(origin: Origin | None, message: str, fallback: Origin | None = None) -> ConfigIssue:
    o = origin or fallback
    if o is None:
        return ConfigIssue(file=Path("<config>"), line=0, col=0, message=message, pointer="")
    return ConfigIssue(file=o.file, line=o.line, col=o.col, message=message, pointer=o.pointer)


def compile_rest(spec: IntegrationSpec, icon_svg: str = "") -> tuple[ProviderInfo, list[ConfigIssue]]:
    plugin = spec.plugin
    issues: list[ConfigIssue] = []
    try:
        connections = compile_connections(plugin)
    except TemplateCompileError as exc:
        connections = {}
        issues.append(issue(spec.origin, f"auth_mapping: {exc}"))
    issues.extend(issue(o, m, spec.origin) for o, m in credential_problems(plugin))
    default_conn = default_connection(plugin)
    ops: dict[str, Operation] = {}
    for op_spec in plugin.operations:
        try:
            op = compile_operation(spec.name, op_spec, plugin.base_url, plugin.headers, default_conn)
        except _OpIssues as exc:
            issues.extend(issue(o, m, op_spec.origin) for o, m in exc.items)
            continue
        ops[op.name] = op
    provider = ProviderInfo(
        **described(spec, icon_svg),
        operations=ops,
        connections=connections,
        default_connection=default_conn,
    )
    return provider, issues


class _OpIssues(Exception):
    def __init__(self, items: list[tuple[Origin | None, str]]) -> None:
        self.items = items


def compile_operation(
    integration: str,
    spec: OperationSpec,
    base_url: str,
    plugin_headers: Mapping[str, str],
    default_conn: str,
) -> Operation:
    problems: list[tuple[Origin | None, str]] = []
    method = spec.method.upper()
    templates = _Templates(
        _compile_map(spec.headers, _HEADER_CONTEXT, "headers", spec, problems),
        _compile_map(spec.query, _REQUEST_CONTEXT, "query", spec, problems),
        _compile_body(spec.body, spec, problems),
    )
    refs = templates.param_refs()
    path_names = set(PLACEHOLDER.findall(spec.path))
    fmt = body_format(spec.content_type)
    params = tuple(_parameter(p, method, path_names, refs, fmt) for p in spec.parameters)
    for p_spec, p in zip(spec.parameters, params, strict=True):
        problem = style_problem(p.name, p.location, p_spec.style, p_spec.explode, fmt)
        problem = problem or file_problem(p.name, p_spec.type, p.location, fmt)
        if problem:
            problems.append((p_spec.origin, problem))
    if params:
        for ref in sorted(refs - {p.name for p in params}):
            problems.append((spec.origin, f'template references undeclared parameter "{ref}"'))
    if problems:
        raise _OpIssues(problems)
    return Operation(
        integration=integration,
        name=spec.name,
        method=method,
        path=spec.path,
        description=spec.description,
        parameters=params,
        input_schema=input_schema(params) if params else None,
        annotations=annotations_for(method, spec.annotations),
        connection=canonical_connection(spec.connection) if spec.connection else default_conn,
        request=_request(method, spec, base_url, plugin_headers, templates, params),
        passthrough=not params,
        by_name={p.name: p for p in params},
    )


@dataclass(frozen=True, slots=True)
class _Templates:
    headers: tuple[tuple[str, Template], ...]
    query: tuple[tuple[str, Template], ...]
    body: BodyTemplate | None

    def param_refs(self) -> set[str]:
        return _refs(self.headers, self.query, self.body)


def _request(
    method: str,
    spec: OperationSpec,
    base_url: str,
    plugin_headers: Mapping[str, str],
    templates: _Templates,
    params: tuple[Parameter, ...],
) -> RequestTemplate:
    return RequestTemplate(
        method=method,
        base_url=base_url.rstrip("/"),
        base_url_has_params=bool(PLACEHOLDER.search(base_url)),
        path_parts=_path_parts(spec.path),
        static_headers=tuple(plugin_headers.items()),
        header_templates=templates.headers,
        query_templates=templates.query,
        body_template=templates.body,
        query_params=tuple(p for p in params if p.location == "query"),
        header_params=tuple(p for p in params if p.location == "header"),
        body_params=tuple(p for p in params if p.location == "body"),
        passthrough=not params,
        uses_context=bool(templates.headers or templates.query or templates.body is not None),
        path_params=tuple(p for p in params if p.location == "path"),
        body_format=body_format(spec.content_type),
        content_type=spec.content_type,
    )


def _parameter(
    p: ParameterSpec, method: str, path_names: set[str], template_refs: set[str], fmt: str
) -> Parameter:
    location = p.in_
    if location is None:
        if p.name in path_names:
            location = "path"
        elif p.name in template_refs:
            location = "template"
        else:
            location = "query" if method in QUERY_METHODS else "body"
    is_file = p.type == "file"
    return Parameter(
        name=p.name,
        type="object" if is_file else normalise_type(p.type),
        location=location,
        required=p.required or location == "path",
        description=p.description,
        default=p.default,
        enum=p.enum,
        style=FILE_STYLE if is_file else compiled_style(_styled(location, fmt), p.style, p.explode) or "",
    )


def _styled(location: str, fmt: str) -> str:
    """A form body's fields take the query styles (OpenAPI's Encoding Object)."""
    return "query" if location == "body" and fmt == "form" else location


def _path_parts(path: str) -> tuple[tuple[bool, str], ...]:
    parts: list[tuple[bool, str]] = []
    pos = 0
    for m in PLACEHOLDER.finditer(path):
        if m.start() > pos:
            parts.append((False, path[pos : m.start()]))
        parts.append((True, m.group(1)))
        pos = m.end()
    if pos < len(path):
        parts.append((False, path[pos:]))
    return tuple(parts)


def _compile_map(
    values: Mapping[str, str],
    allowed: frozenset[str],
    where: str,
    spec: OperationSpec,
    problems: list[tuple[Origin | None, str]],
) -> tuple[tuple[str, Template], ...]:
    out: list[tuple[str, Template]] = []
    for key, source in values.items():
        try:
            out.append((key, compile_template(str(source), allowed)))
        except TemplateCompileError as exc:
            problems.append((spec.origin, f"{where}.{key}: {exc}"))
    return tuple(out)


def _compile_body(
    body: Any, spec: OperationSpec, problems: list[tuple[Origin | None, str]]
) -> BodyTemplate | None:
    if body is MISSING:
        return None
    try:
        return BodyTemplate(_compile_node(body))
    except TemplateCompileError as exc:
        problems.append((spec.origin, f"body: {exc}"))
        return None


def _compile_node(node: Any) -> Any:
    if isinstance(node, str):
        if not is_template(node):
            return node
        expr = _single_expression(node)
        if expr is not None:
            return expr
        return compile_template(node, _REQUEST_CONTEXT)
    if isinstance(node, dict):
        return {k: _compile_node(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_compile_node(v) for v in node]
    return node


def _single_expression(text: str) -> Expression | None:
    stripped = text.strip()
    if not (stripped.startswith("{{") and stripped.endswith("}}")) or stripped.count("{{") != 1:
        return None
    source = stripped[2:-2].strip()
    tpl = compile_template(text, _REQUEST_CONTEXT)  # validates names and syntax
    return _ExprWithRefs(source, compile_expression(source), tpl.param_refs)


@dataclass(frozen=True, slots=True)
class _ExprWithRefs(Expression):
    param_refs: frozenset[str] = frozenset()


def _refs(
    headers: tuple[tuple[str, Template], ...],
    query: tuple[tuple[str, Template], ...],
    body: BodyTemplate | None,
) -> set[str]:
    refs: set[str] = set()
    for _, t in (*headers, *query):
        refs |= t.param_refs
    if body is not None:
        refs |= _body_refs(body.shape)
    return refs


def _body_refs(node: Any) -> set[str]:
    if isinstance(node, Template):
        return set(node.param_refs)
    if isinstance(node, _ExprWithRefs):
        return set(node.param_refs)
    if isinstance(node, dict):
        return set().union(*(_body_refs(v) for v in node.values())) if node else set()
    if isinstance(node, list):
        return set().union(*(_body_refs(v) for v in node)) if node else set()
    return set()
