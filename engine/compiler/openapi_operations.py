"""OpenAPI paths → operation drafts: names, merged parameters, request bodies. Pure.

Decisions (spec §2, over the reference): path-item parameters are used (the operation's own win
by name + location); operations without ``operationId`` get a stable ``<method>_<path slug>``
name; parameter names are made safe for tool schemas and made distinct across locations, with
the original kept as the wire name; Swagger 2.0 ``body``/``formData`` parameters are bodies.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.compiler.openapi_bodies import Field, request_body
from engine.compiler.openapi_responses import output_schema
from engine.compiler.openapi_schema import Resolver, SchemaConverter, json_type
from engine.compiler.request import PLACEHOLDER
from engine.compiler.styles import compiled_style, swagger_style

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace", "query")
_UNSAFE = re.compile(r"[^A-Za-z0-9_.\-]+")
_ORDER = {"path": 0, "query": 1, "header": 2, "body": 3}
_SENT = ("path", "query", "header")  # cookie parameters are not sent (no cookie jar per call)
_IGNORED_HEADERS = frozenset({"accept", "content-type", "authorization"})


@dataclass(slots=True)
class ParamDraft:
    name: str
    wire: str
    location: str  # path | query | header | body
    type: str
    required: bool
    description: str
    schema: dict[str, Any]
    style: str = ""  # compiled (engine.compiler.styles)


@dataclass(slots=True)
class OpDraft:
    name: str  # operationId, or the generated name
    method: str
    path: str
    description: str
    params: list[ParamDraft] = field(default_factory=list)
    whole_body: ParamDraft | None = None  # a non-object request body, sent as the whole body
    body_media: str = ""  # the request body's media type, as the document names it
    body_format: str = "json"  # how it is encoded (engine.compiler.bodies)
    output_schema: dict[str, Any] | None = None  # a JSON object success response (openapi_responses)


def extract_operations(doc: Mapping[str, Any], resolver: Resolver) -> list[OpDraft]:
    converter = SchemaConverter(resolver)
    drafts: list[OpDraft] = []
    taken: set[str] = set()
    paths = doc.get("paths")
    for path, item in paths.items() if isinstance(paths, Mapping) else ():
        item = resolver.deref(item)
        if not isinstance(item, Mapping):
            continue
        shared = _raw_params(resolver, item.get("parameters"))
        for method in METHODS:
            op = item.get(method)
            if isinstance(op, Mapping):
                draft = _draft(doc, resolver, converter, str(path), method, op, shared)
                draft.name = _unique(draft.name, taken)
                drafts.append(draft)
    return drafts


def _draft(
    doc: Mapping[str, Any],
    resolver: Resolver,
    converter: SchemaConverter,
    path: str,
    method: str,
    op: Mapping[str, Any],
    shared: dict[tuple[str, str], Mapping[str, Any]],
) -> OpDraft:
    op_id = op.get("operationId")
    name = op_id.strip() if isinstance(op_id, str) and op_id.strip() else generated_name(method, path)
    summary = op.get("summary") or op.get("description") or ""
    draft = OpDraft(name, method.upper(), path, str(summary).strip())
    merged = {**shared, **_raw_params(resolver, op.get("parameters"))}
    body_params = [p for p in merged.values() if p.get("in") in ("body", "formData")]
    params = [_param(resolver, converter, p) for p in merged.values() if _sent(p)]
    body = request_body(doc, resolver, op, body_params)
    if body is not None:
        params.extend(_body_param(f) for f in body.fields)
        draft.whole_body = _body_param(body.whole, whole=True) if body.whole is not None else None
        draft.body_media, draft.body_format = body.media, body.format
    params.extend(_undeclared_path_params(path, params))
    draft.params = _distinct(sorted(params, key=lambda p: _ORDER[p.location]), draft.whole_body)
    draft.output_schema = output_schema(resolver, converter, op)
    return draft


def _sent(p: Mapping[str, Any]) -> bool:
    """Path, query and header parameters, but not the headers OpenAPI says to ignore (the body's
    media type, the accepted one and the credential are not the caller's to set this way)."""
    if p.get("in") == "header":
        return str(p.get("name", "")).lower() not in _IGNORED_HEADERS
    return p.get("in") in _SENT


def _body_param(f: Field, whole: bool = False) -> ParamDraft:
    """A body field, or (``whole``) the one parameter that is the whole body (no wire name)."""
    wire = "" if whole else f.name
    return ParamDraft(f.name, wire, "body", f.type, f.required, f.description, f.schema, f.style)


def _undeclared_path_params(path: str, params: list[ParamDraft]) -> list[ParamDraft]:
    """``{x}`` in the path with no declared parameter still needs a value from the caller."""
    declared = {p.wire for p in params if p.location == "path"}
    return [
        ParamDraft(name, name, "path", "string", True, "", {"type": "string"})
        for name in dict.fromkeys(PLACEHOLDER.findall(path))
        if name not in declared
    ]


def generated_name(method: str, path: str) -> str:
    slug = _UNSAFE.sub("_", path.replace("{", "").replace("}", "")).strip("_").lower()
    return f"{method.lower()}_{slug or 'root'}"


def _unique(name: str, taken: set[str]) -> str:
    candidate, n = name, 2
    while candidate in taken:
        candidate, n = f"{name}_{n}", n + 1
    taken.add(candidate)
    return candidate


def _raw_params(resolver: Resolver, raw: Any) -> dict[tuple[str, str], Mapping[str, Any]]:
    out: dict[tuple[str, str], Mapping[str, Any]] = {}
    for entry in raw if isinstance(raw, list) else ():
        p = resolver.deref(entry)
        if isinstance(p, Mapping) and isinstance(p.get("name"), str):
            out[(p["name"], str(p.get("in", "")))] = p
    return out


def _param(resolver: Resolver, converter: SchemaConverter, p: Mapping[str, Any]) -> ParamDraft:
    location = str(p["in"])
    schema_src = p.get("schema")
    style = compiled_style(location, _text(p.get("style")), _flag(p.get("explode"))) or ""
    if schema_src is None and isinstance(p.get("content"), Mapping) and p["content"]:
        media, body = next(iter(p["content"].items()))
        schema_src = resolver.deref(body).get("schema")
        style = "json" if "json" in str(media) else style
    if schema_src is None:  # Swagger 2.0 keeps the schema on the parameter itself
        schema_src = {k: v for k, v in p.items() if k not in ("name", "in", "required", "description")}
        style = swagger_style(location, p.get("collectionFormat"))
    description = p.get("description")
    return ParamDraft(
        name=p["name"],
        wire=p["name"],
        location=location,
        type=json_type(resolver, schema_src),
        required=bool(p.get("required")) or location == "path",
        description=description.strip() if isinstance(description, str) else "",
        schema=converter.convert(schema_src),
        style=style,
    )


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _flag(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _distinct(params: list[ParamDraft], whole: ParamDraft | None) -> list[ParamDraft]:
    """Safe, unique caller-facing names; a clash is renamed ``<location>_<name>``."""
    taken: set[str] = {whole.name} if whole is not None else set()
    for p in params:
        safe = _UNSAFE.sub("_", p.name.replace("]", "")).strip("_") or p.location
        if safe in taken:
            safe = f"{p.location}_{safe}"
        p.name = _unique(safe, taken)
    return params
