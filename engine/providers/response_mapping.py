"""``response_mapping``: reshape spec-backed results (pages are followed by ``paging``).

Mapping (reference §9.1): a JSON-object body becomes ``{"data": <data_path>, "pagination":
{"has_more", "cursor"}}`` (each key present only when its path resolves); anything else passes
through unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from engine.config.spec import ResponseMappingSpec
from engine.egress.request import Result

MISSING = object()


def dig(doc: Any, path: str) -> Any:
    """The value at a dotted path of object keys (no array indexing), or ``MISSING``."""
    node = doc
    for key in path.split("."):
        if not isinstance(node, Mapping) or key not in node:
            return MISSING
        node = node[key]
    return node


def map_result(result: Result, spec: ResponseMappingSpec) -> Result:
    doc = _json_object(result.body)
    if doc is None:
        return result
    shaped = reshape(doc, spec)
    if shaped is None:
        return result
    return Result(result.status, "application/json", orjson.dumps(shaped, option=orjson.OPT_SORT_KEYS))


def reshape(doc: Mapping[str, Any], spec: ResponseMappingSpec) -> dict[str, Any] | None:
    out: dict[str, Any] = {}
    if spec.data_path:
        data = dig(doc, spec.data_path)
        if data is MISSING:
            return None
        out["data"] = data
    page = _page_info(doc, spec)
    if page:
        out["pagination"] = page
    return out


def _page_info(doc: Mapping[str, Any], spec: ResponseMappingSpec) -> dict[str, Any]:
    page: dict[str, Any] = {}
    pagination = spec.pagination
    if pagination is None:
        return page
    for key, path in (("has_more", pagination.has_more_path), ("cursor", pagination.cursor_path)):
        value = dig(doc, path) if path else MISSING
        if value is not MISSING:
            page[key] = value
    return page


def _json_object(body: bytes) -> dict[str, Any] | None:
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    return doc if isinstance(doc, dict) else None
