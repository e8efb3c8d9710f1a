"""OpenAPI request bodies → body parameters and the media type they are sent as. Pure.

3.x ``requestBody.content`` offers media types; the one sent is chosen by
``engine.compiler.bodies.choose_media`` (JSON first). An object schema's properties become body
parameters (a form's fields, a multipart's parts); anything else is one ``body`` parameter (a text
body is a string, a binary one a file value). A form field takes its ``encoding`` style and
explode; a multipart part whose schema is binary (``format: binary``, ``contentMediaType``, Swagger's
``type: file``) is a file value. Swagger 2.0 ``formData`` parameters are a form, or multipart when
one is a file or ``consumes`` says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.compiler.bodies import FILE_SCHEMA, FILE_STYLE, FORM, JSON, MULTIPART, body_format, choose_media
from engine.compiler.openapi_schema import Resolver, SchemaConverter, json_type, object_properties
from engine.compiler.styles import compiled_style, swagger_style


@dataclass(slots=True)
class Field:
    """A body parameter draft, before names are made distinct (``openapi_operations.ParamDraft``)."""

    name: str
    type: str
    required: bool
    description: str
    schema: dict[str, Any]
    style: str = ""


@dataclass(slots=True)
class BodyDraft:
    media: str
    format: str  # json | form | multipart | text | binary
    fields: list[Field] = field(default_factory=list)
    whole: Field | None = None  # the whole body as one parameter


def request_body(
    doc: Mapping[str, Any], resolver: Resolver, op: Mapping[str, Any], swagger: list[Mapping[str, Any]]
) -> BodyDraft | None:
    converter = SchemaConverter(resolver)
    if swagger:
        return _swagger(doc, converter, op, swagger)
    body = resolver.deref(op.get("requestBody"))
    content = body.get("content") if isinstance(body, Mapping) else None
    if not isinstance(content, Mapping) or not content:
        return None
    media = choose_media(str(k) for k in content)
    entry = resolver.deref(content[media])
    entry = entry if isinstance(entry, Mapping) else {}
    encoding = entry.get("encoding")
    return _draft(
        converter, media, entry.get("schema", {}), encoding if isinstance(encoding, Mapping) else {}
    )


def _draft(
    converter: SchemaConverter,
    media: str,
    schema: Any,
    encoding: Mapping[str, Any],
    styles: Mapping[str, str] | None = None,
) -> BodyDraft:
    resolver = converter.resolver
    draft = BodyDraft(media, body_format(media))
    if draft.format == "text":
        draft.whole = Field("body", "string", True, "The request body, sent as it is.", {"type": "string"})
        return draft
    if draft.format == "binary":
        draft.whole = Field(
            "body", "object", True, "The request body: a file.", dict(FILE_SCHEMA), FILE_STYLE
        )
        return draft
    props, required = object_properties(resolver, schema)
    for name, prop in props.items():
        found = _field(converter, draft.format, str(name), prop, name in required, encoding)
        if styles and name in styles and found.style != FILE_STYLE:
            found.style = styles[name]
        draft.fields.append(found)
    if not props:
        kind = json_type(resolver, schema, "object")
        draft.whole = Field("body", kind, True, "The request body.", converter.convert(schema))
    return draft


def _field(
    converter: SchemaConverter, fmt: str, name: str, prop: Any, required: bool, encoding: Mapping[str, Any]
) -> Field:
    resolver = converter.resolver
    described = resolver.deref(prop)
    text = described.get("description") if isinstance(described, Mapping) else None
    out = Field(name, json_type(resolver, prop), required, text.strip() if isinstance(text, str) else "", {})
    if fmt == "multipart" and _is_binary(resolver, prop):
        out.type, out.style = "object", FILE_STYLE
        out.schema = dict(FILE_SCHEMA, description=out.description or FILE_SCHEMA["description"])
        return out
    if fmt == "multipart" and _is_binary(resolver, _items(resolver, prop)):
        out.type, out.style = "array", FILE_STYLE
        out.schema = {"type": "array", "items": FILE_SCHEMA}
        return out
    out.schema = converter.convert(prop)
    rule = resolver.deref(encoding.get(name))
    if fmt == "form" and isinstance(rule, Mapping) and ("style" in rule or "explode" in rule):
        style, explode = rule.get("style"), rule.get("explode")
        chosen = compiled_style(
            "query", style if isinstance(style, str) else None, explode if isinstance(explode, bool) else None
        )
        out.style = chosen or ""
    elif isinstance(rule, Mapping) and "json" in str(rule.get("contentType", "")):
        out.style = "json"
    return out


def _items(resolver: Resolver, prop: Any) -> Any:
    node = resolver.deref(prop)
    return node.get("items") if isinstance(node, Mapping) and node.get("type") == "array" else None


def _is_binary(resolver: Resolver, prop: Any) -> bool:
    node = resolver.deref(prop)
    if not isinstance(node, Mapping):
        return False
    return node.get("type") == "file" or node.get("format") == "binary" or "contentMediaType" in node


def _swagger(
    doc: Mapping[str, Any], converter: SchemaConverter, op: Mapping[str, Any], params: list[Mapping[str, Any]]
) -> BodyDraft:
    consumes = [str(c) for c in op.get("consumes") or doc.get("consumes") or ()]
    body = next((p for p in params if p.get("in") == "body"), None)
    if body is not None:
        offered = [c for c in consumes if body_format(c) not in ("form", "multipart")]
        return _draft(converter, choose_media(offered) if offered else JSON, body.get("schema") or {}, {})
    has_file = any(p.get("type") == "file" for p in params)
    media = MULTIPART if has_file or (MULTIPART in consumes and FORM not in consumes) else FORM
    props = {p["name"]: {k: v for k, v in p.items() if k not in ("name", "in", "required")} for p in params}
    schema = {
        "type": "object",
        "properties": props,
        "required": [p["name"] for p in params if p.get("required")],
    }
    styles = {
        p["name"]: swagger_style("query", p.get("collectionFormat"))
        for p in params
        if p.get("type") == "array"
    }
    return _draft(converter, media, schema, {}, styles)
