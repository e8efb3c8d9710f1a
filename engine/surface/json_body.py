"""Reading the small JSON object bodies of the auth and token routes, with the reference's 400."""

from __future__ import annotations

import json
from typing import Any

from litestar import Request

from engine.errors import InvalidJSONBody
from engine.surface.cross_site import require_json


async def read_json_object(request: Request[Any, Any, Any]) -> dict[str, Any]:
    """The body as a JSON object; empty, malformed or non-object bodies are 400 ``invalid JSON body``,
    a browser's body not declared JSON 415 (``cross_site.require_json``)."""
    require_json(request.scope["headers"])
    try:
        doc = json.loads(await request.body())
    except (ValueError, UnicodeDecodeError):
        raise InvalidJSONBody() from None
    if not isinstance(doc, dict):
        raise InvalidJSONBody()
    return doc


def optional_str(doc: dict[str, Any], key: str) -> str:
    value = doc.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidJSONBody()
    return value


def optional_int(doc: dict[str, Any], key: str) -> int | None:
    value = doc.get(key)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidJSONBody()
    return value
