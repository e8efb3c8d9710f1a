"""``response_mapping``: reshape spec-backed results, and follow pages for ``paginate: true``.

Mapping (reference §9.1): a JSON-object body becomes ``{"data": <data_path>, "pagination":
{"has_more", "cursor"}}`` (each key present only when its path resolves); anything else passes
through unchanged. Pagination (ours): resend with ``cursor_param`` = the last cursor until there is
no next page or ``max_pages`` pages were read; the items are concatenated and ``truncated`` says
whether the limit cut the listing short.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import orjson

from engine.config.spec import ResponseMappingSpec
from engine.egress.request import Result
from engine.errors import UpstreamInvalidResponse

_MISSING = object()
Send = Callable[[dict[str, Any]], Awaitable[Result]]


def dig(doc: Any, path: str) -> Any:
    """The value at a dotted path of object keys (no array indexing), or ``_MISSING``."""
    node = doc
    for key in path.split("."):
        if not isinstance(node, Mapping) or key not in node:
            return _MISSING
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
        if data is _MISSING:
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
        value = dig(doc, path) if path else _MISSING
        if value is not _MISSING:
            page[key] = value
    return page


async def paginate(send: Send, params: Mapping[str, Any], spec: ResponseMappingSpec) -> Result:
    """Follow the cursor up to ``max_pages``; the body is ``{"data": [...], "truncated": bool}``."""
    pagination = spec.pagination
    assert pagination is not None and pagination.cursor_param
    items: list[Any] = []
    call = dict(params)
    result: Result | None = None
    for _ in range(max(pagination.max_pages, 1)):
        result = await send(call)
        doc = _json_object(result.body)
        if doc is None:
            raise UpstreamInvalidResponse()
        items.extend(_items(doc, spec))
        cursor = _next_cursor(doc, spec)
        if cursor is None:
            return _listing(result, items, False)
        call[pagination.cursor_param] = cursor
    assert result is not None
    return _listing(result, items, True, call[pagination.cursor_param])


def _items(doc: Mapping[str, Any], spec: ResponseMappingSpec) -> list[Any]:
    data = dig(doc, spec.data_path) if spec.data_path else doc
    if data is _MISSING or data is None:
        return []
    return list(data) if isinstance(data, list) else [data]


def _next_cursor(doc: Mapping[str, Any], spec: ResponseMappingSpec) -> Any:
    """The next page's cursor, or None when the listing is complete."""
    pagination = spec.pagination
    assert pagination is not None
    if pagination.has_more_path and dig(doc, pagination.has_more_path) is not True:
        return None
    cursor = dig(doc, pagination.cursor_path) if pagination.cursor_path else _MISSING
    if cursor is _MISSING or cursor in (None, "", 0) or isinstance(cursor, bool):
        return None
    return cursor


def _listing(last: Result, items: list[Any], truncated: bool, cursor: Any = None) -> Result:
    body: dict[str, Any] = {"data": items, "truncated": truncated}
    if truncated:
        body["pagination"] = {"has_more": True, "cursor": cursor}
    return Result(last.status, "application/json", orjson.dumps(body, option=orjson.OPT_SORT_KEYS))


def _json_object(body: bytes) -> dict[str, Any] | None:
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    return doc if isinstance(doc, dict) else None
