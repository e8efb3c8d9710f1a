"""Request body media types: which one an operation sends, and how it is encoded. Pure.

An OpenAPI operation may offer several media types; JSON is preferred when offered, then a form
(``application/x-www-form-urlencoded``), then ``multipart/form-data``, then text, then raw
bytes. Each compiles to a ``body_format`` the renderer encodes (``engine.providers.bodies``):
``json``, ``form``, ``multipart``, ``text`` (a string sent as is) or ``binary`` (a file's bytes).
Nothing is ever sent under another media type than the one chosen.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"
INLINE_CONTENT_TYPES = (JSON, FORM, MULTIPART)  # what an inline operation may declare
FILE_STYLE = "file"  # a multipart part (or a binary body) made from a file value

# What a caller sends for a file: its bytes as base64, or a URL gestaltd fetches.
FILE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "A file: its bytes as base64 in content, or a url gestaltd fetches (up to 20 MiB); "
    "filename and content_type name it.",
    "properties": {
        "content": {"type": "string", "contentEncoding": "base64", "description": "The bytes, base64."},
        "url": {"type": "string", "format": "uri", "description": "Where gestaltd fetches the bytes."},
        "filename": {"type": "string", "description": "The part's file name."},
        "content_type": {"type": "string", "description": "The part's media type."},
    },
    "additionalProperties": False,
}
_TEXTUAL = ("text/", "application/xml", "+xml", "application/yaml", "application/x-ndjson", "+csv")


def body_format(media: str) -> str:
    """The encoding of a body of this media type (parameters and case ignored)."""
    kind = media.split(";", 1)[0].strip().lower()
    if kind in ("*/*", "") or kind == JSON or kind.endswith("+json") or kind.endswith("/json"):
        return "json"
    if kind == FORM:
        return "form"
    if kind == MULTIPART:
        return "multipart"
    if kind.startswith("text/") or any(marker in kind for marker in _TEXTUAL):
        return "text"
    return "binary"


_RANK = {"json": 0, "form": 1, "multipart": 2, "text": 3, "binary": 4}


def choose_media(offered: Iterable[str]) -> str:
    """The media type to send of those an operation offers (the first of the best kind)."""
    ranked = sorted(enumerate(offered), key=lambda item: (_RANK[body_format(item[1])], item[0]))
    return ranked[0][1] if ranked else JSON


def file_problem(name: str, written_type: str, location: str, fmt: str) -> str:
    """Why an inline ``type: file`` parameter cannot be sent, or ""."""
    if written_type != "file" or (location == "body" and fmt == "multipart"):
        return ""
    needs = f"in: body, content_type: {MULTIPART}"
    return f'parameter "{name}": type file is a part of a multipart/form-data body ({needs})'


def sent_content_type(media: str) -> str:
    """The Content-Type header for a chosen media type: a range names no concrete type."""
    kind = media.split(";", 1)[0].strip().lower()
    if kind in ("*/*", ""):
        return JSON
    if kind.endswith("/*"):
        return "text/plain" if kind == "text/*" else "application/octet-stream"
    return media
