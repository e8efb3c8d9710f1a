"""Following pages (``response_mapping.pagination``) for operations that paginate.

Each page is the same call with the page selector changed: the next cursor (from the body at
``cursor_path`` or a response header ``cursor_header``), the next item offset, the next page
number, or the ``Link`` header's ``rel="next"`` URL (same origin only: the credential goes with
it). The items at ``data_path`` of every page are merged into one list. It stops at ``max_pages``
(the listing then says ``truncated: true`` with the next cursor), at an empty page, at a page
shorter than the page size, when ``has_more_path`` is not true, or when there is no next page.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import urljoin, urlsplit

import orjson

from engine.config.spec import PaginationSpec, ResponseMappingSpec
from engine.egress.request import Result
from engine.errors import UpstreamInvalidResponse
from engine.providers.response_mapping import MISSING, dig

# One page: the call's parameters and, for link pagination, the URL to send instead.
Send = Callable[[dict[str, Any], str | None], Awaitable[tuple[Result, str]]]
_LINK = re.compile(r"<([^>]*)>\s*((?:;\s*[^;,]+)*)")
_REL_NEXT = re.compile(r'(?:^|;)\s*rel\s*=\s*"?([^";]*)"?', re.IGNORECASE)


async def follow_pages(send: Send, params: Mapping[str, Any], mapping: ResponseMappingSpec) -> Result:
    pagination = mapping.pagination
    assert pagination is not None
    call = dict(params)
    if pagination.limit_param and pagination.page_size and pagination.limit_param not in call:
        call[pagination.limit_param] = pagination.page_size
    items: list[Any] = []
    url: str | None = None
    seen: set[str] = set()
    for _ in range(max(pagination.max_pages, 1)):
        result, sent_url = await send(call, url)
        doc = _json(result.body)
        page = _items(doc, mapping.data_path)
        items.extend(page)
        following = _next(pagination, doc, result, call, page, sent_url) if page else None
        if following is None or repr(following) in seen:
            return _listing(result, items)
        seen.add(repr(following))
        if pagination.style == "link":
            url = str(following)
        else:
            call[pagination.cursor_param] = following
    return _listing(result, items, following)


def _next(
    p: PaginationSpec, doc: Any, result: Result, call: Mapping[str, Any], page: list[Any], url: str
) -> Any:
    """The next page's selector, or None when this page is the last."""
    if p.has_more_path and dig(doc, p.has_more_path) is not True:
        return None
    if p.style in ("offset", "page"):
        size = call.get(p.limit_param) if p.limit_param else None
        if isinstance(size, int) and not isinstance(size, bool) and len(page) < size:
            return None
        start = 0 if p.style == "offset" else p.first_page
        current = _number(call.get(p.cursor_param, start))
        return current + (len(page) if p.style == "offset" else 1)
    if p.style == "link":
        return next_link(result.header("link"), url)
    cursor = result.header(p.cursor_header) if p.cursor_header else dig(doc, p.cursor_path)
    if cursor is MISSING or cursor in (None, "", 0) or isinstance(cursor, bool):
        return None
    return cursor


def next_link(header: str | None, url: str) -> str | None:
    """The ``rel="next"`` target of a ``Link`` header (RFC 8288), resolved against ``url``; a link
    to another origin is refused rather than followed with the credential."""
    for found in _LINK.finditer(header or ""):
        target, params = str(found.group(1)), str(found.group(2))
        rels = [r for m in _REL_NEXT.finditer(params) for r in m.group(1).lower().split()]
        if "next" in rels:
            absolute = urljoin(url, target.strip())
            here, there = urlsplit(url), urlsplit(absolute)
            if (here.scheme, here.netloc) != (there.scheme, there.netloc):
                raise UpstreamInvalidResponse()
            return absolute
    return None


def _number(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _items(doc: Any, data_path: str) -> list[Any]:
    data = dig(doc, data_path) if data_path else doc
    if data is MISSING or data is None:
        return []
    return list(data) if isinstance(data, list) else [data]


def _json(body: bytes) -> Any:
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise UpstreamInvalidResponse() from None
    if not isinstance(doc, dict | list):
        raise UpstreamInvalidResponse()
    return doc


def _listing(last: Result, items: list[Any], following: Any = None) -> Result:
    body: dict[str, Any] = {"data": items, "truncated": following is not None}
    if following is not None:
        body["pagination"] = {"has_more": True, "cursor": following}
    return Result(last.status, "application/json", orjson.dumps(body, option=orjson.OPT_SORT_KEYS))
