"""Operation drafts → runnable Operations: request templates, input schemas, managed parameters."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from engine.compiler.bodies import sent_content_type
from engine.compiler.model import Operation
from engine.compiler.openapi_operations import OpDraft, ParamDraft
from engine.compiler.parameter import Parameter
from engine.compiler.request import PLACEHOLDER, RequestTemplate
from engine.compiler.schema import annotations_for
from engine.config.spec import ManagedParameterSpec


def apply_managed(draft: OpDraft, managed: tuple[ManagedParameterSpec, ...]) -> None:
    """Managed path values are written into the path; every managed parameter is hidden."""
    for m in managed:
        if m.in_ == "path":
            draft.path = draft.path.replace("{" + m.name + "}", quote(m.value, safe=""))
        draft.params = [p for p in draft.params if not _is_managed(p, m)]


def _is_managed(p: ParamDraft, m: ManagedParameterSpec) -> bool:
    if p.location != m.in_:
        return False
    return p.wire.lower() == m.name.lower() if m.in_ == "header" else p.wire == m.name


def build_operation(
    integration: str,
    draft: OpDraft,
    base_url: str,
    headers: Mapping[str, str],
    connection: str,
) -> Operation:
    params = tuple(_parameter(p) for p in draft.params)
    whole = _parameter(draft.whole_body) if draft.whole_body is not None else None
    declared = params + ((whole,) if whole is not None else ())
    request = _request(draft, params, whole, base_url, headers)
    drafts = [*draft.params, *([draft.whole_body] if draft.whole_body is not None else [])]
    return Operation(
        integration=integration,
        name=draft.name,
        method=draft.method,
        path=draft.path,
        description=draft.description,
        parameters=declared,
        input_schema=input_schema(drafts) if declared else None,
        annotations=annotations_for(draft.method),
        connection=connection,
        request=request,
        passthrough=not declared,
        by_name={p.name: p for p in declared},
        output_schema=draft.output_schema,
    )


def _request(
    draft: OpDraft,
    params: tuple[Parameter, ...],
    whole: Parameter | None,
    base_url: str,
    headers: Mapping[str, str],
) -> RequestTemplate:
    return RequestTemplate(
        method=draft.method,
        base_url=base_url,
        base_url_has_params=bool(PLACEHOLDER.search(base_url)),
        path_parts=_path_parts(draft.path, {p.wire: p.name for p in draft.params if p.location == "path"}),
        static_headers=tuple(headers.items()),
        header_templates=(),
        query_templates=(),
        body_template=None,
        query_params=tuple(p for p in params if p.location == "query"),
        header_params=tuple(p for p in params if p.location == "header"),
        body_params=tuple(p for p in params if p.location == "body"),
        passthrough=not params and whole is None,
        uses_context=False,
        body_param=whole,
        path_params=tuple(p for p in params if p.location == "path"),
        body_format=draft.body_format,
        content_type=sent_content_type(draft.body_media) if draft.body_media else "",
    )


def _parameter(p: ParamDraft) -> Parameter:
    wire = p.wire if p.wire != p.name else ""
    return Parameter(p.name, p.type, p.location, p.required, p.description, wire_name=wire, style=p.style)


def input_schema(drafts: list[ParamDraft]) -> dict[str, Any]:
    """Draft 2020-12, ref-free: each property is the parameter's converted OpenAPI schema."""
    props: dict[str, Any] = {}
    for p in drafts:
        prop = dict(p.schema)
        if p.description:
            prop["description"] = p.description
        props[p.name] = prop
    schema: dict[str, Any] = {"type": "object", "properties": props}
    required = [p.name for p in drafts if p.required]
    if required:
        schema["required"] = required
    schema["additionalProperties"] = False
    return schema


def _path_parts(path: str, names: Mapping[str, str]) -> tuple[tuple[bool, str], ...]:
    """Literal and placeholder parts; a placeholder is looked up by its caller-facing name."""
    parts: list[tuple[bool, str]] = []
    pos = 0
    for m in PLACEHOLDER.finditer(path):
        if m.start() > pos:
            parts.append((False, path[pos : m.start()]))
        parts.append((True, names.get(m.group(1), m.group(1))))
        pos = m.end()
    if pos < len(path):
        parts.append((False, path[pos:]))
    return tuple(parts)
