"""Encoding a rendered body document in its compiled format (``engine.compiler.bodies``).

``json`` (the declared ``+json`` type kept), ``form`` (``application/x-www-form-urlencoded``:
each field in its encoding style, else an array repeats its key and an object is JSON text, as
OpenAPI's Encoding Object defaults say), ``multipart`` (``multipart/form-data``: a part per
field, an array a part per item, an object an ``application/json`` part, a file value a part with
its file name and type), ``text`` (a string, as it is) and ``binary`` (a file value's bytes).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from typing import Any

from engine.compiler.bodies import FORM, JSON
from engine.compiler.request import RequestTemplate
from engine.errors import BadRequest
from engine.providers.files import FileValue
from engine.providers.styles import query_fragments, wire_str


def encode_body(t: RequestTemplate, doc: Any) -> tuple[bytes, str]:
    """The body's bytes and its Content-Type."""
    fmt = t.body_format
    if fmt == "json":
        return dump_json(doc), t.content_type or JSON
    if fmt == "form":
        return _form(_fields(doc, "form"), t.body_styles).encode(), t.content_type or FORM
    if fmt == "multipart":
        boundary = secrets.token_hex(16)
        return _multipart(_fields(doc, "multipart"), boundary), f"multipart/form-data; boundary={boundary}"
    if fmt == "text":
        if not isinstance(doc, str):
            raise BadRequest(f"the request body of this operation is {t.content_type}: send it as a string")
        return doc.encode(), t.content_type
    if not isinstance(doc, FileValue):
        raise BadRequest(f"the request body of this operation is {t.content_type}: send a file")
    return doc.content, doc.content_type or t.content_type


def dump_json(doc: Any) -> bytes:
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode()


def _fields(doc: Any, kind: str) -> Mapping[str, Any]:
    if not isinstance(doc, Mapping):
        raise BadRequest(f"a {kind} body is made of named fields: send an object")
    return doc


def _form(fields: Mapping[str, Any], styles: Mapping[str, str]) -> str:
    out: list[str] = []
    for key, value in fields.items():
        if value is None:
            continue
        style = styles.get(key) or ("json" if isinstance(value, dict) else "form*")
        out.extend(query_fragments(style, key, value))
    return "&".join(out)


def _multipart(fields: Mapping[str, Any], boundary: str) -> bytes:
    parts: list[bytes] = []
    for key, value in fields.items():
        for item in value if isinstance(value, list) else [value]:
            if item is not None:
                parts.append(_part(key, item))
    head = f"--{boundary}\r\n".encode()
    return b"".join(head + part + b"\r\n" for part in parts) + f"--{boundary}--\r\n".encode()


def _part(name: str, value: Any) -> bytes:
    disposition = f'form-data; name="{_quoted(name)}"'
    if isinstance(value, FileValue):
        disposition += f'; filename="{_quoted(value.filename or name)}"'
        kind = value.content_type or "application/octet-stream"
        return _headers(disposition, kind) + value.content
    if isinstance(value, dict | list):
        return _headers(disposition, JSON) + dump_json(value)
    return _headers(disposition, "") + wire_str(value).encode()


def _headers(disposition: str, content_type: str) -> bytes:
    lines = [f"Content-Disposition: {disposition}"]
    if content_type:
        lines.append(f"Content-Type: {content_type}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def _quoted(text: str) -> str:
    """A name or file name inside a quoted header parameter (RFC 7578 §4.2, as browsers write it)."""
    return text.replace("\\", "\\\\").replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")
