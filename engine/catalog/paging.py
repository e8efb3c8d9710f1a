"""``responseMapping``, ``pagination`` and ``allowedOperations``: reshaping, page following and the
exposure list, which our format keeps in ``response_mapping`` and ``allowed_operations``.

Our pagination follows a cursor (from the body, ``cursor_path``, or a response header,
``cursor_header``), an item offset or a page number in ``cursor_param``, with a page size
(``limit_param``, ``page_size``), optionally until a ``has_more`` flag is false, collecting the
items at ``data_path``; per-operation settings are losses. ``response_mapping`` exists for OpenAPI
and GraphQL surfaces only, so a REST app's ``allowedOperations`` is applied here, to its operation
list."""

from __future__ import annotations

from typing import Any

from engine.catalog.fields import Fields

_STYLES = ("cursor", "offset", "page")
_ALLOWED_NOTES = {
    "pagination": "per-operation pagination settings have no equivalent (the integration's apply)",
    "allowedRoles": "per-operation roles have no equivalent",
    "tags": "operation tags have no equivalent",
    "graphql": "a hand-written GraphQL document has no equivalent: the selection comes from introspection",
}


def translate_paging(spec: Fields, api: str) -> dict[str, Any]:
    """``{"response_mapping": …}``, or ``{}``."""
    present = [key for key in ("responseMapping", "pagination") if key in spec]
    if not present:
        return {}
    if api not in ("openapi", "graphql"):
        for key in present:
            spec.child(key).lose("response mapping and pagination need an OpenAPI or GraphQL surface")
        return {}
    mapping: dict[str, Any] = {}
    pagination: dict[str, Any] = {}
    if "responseMapping" in spec:
        _response_mapping(spec.child("responseMapping"), mapping, pagination)
    if "pagination" in spec:
        _pagination(spec.child("pagination"), mapping, pagination)
    if pagination:
        mapping["pagination"] = pagination
    return {"response_mapping": mapping} if mapping else {}


def can_paginate(plugin: dict[str, Any]) -> bool:
    pagination = plugin.get("response_mapping", {}).get("pagination", {})
    if not pagination.get("cursor_param"):
        return False
    style = pagination.get("style", "cursor")
    return style != "cursor" or bool(pagination.get("cursor_path") or pagination.get("cursor_header"))


def translate_allowed(spec: Fields, api: str, plugin: dict[str, Any]) -> None:
    if "allowedOperations" not in spec:
        return
    allowed: dict[str, dict[str, Any] | None] = {}
    for key, entry in spec.children("allowedOperations"):
        entry.notes = _ALLOWED_NOTES
        exposure: dict[str, Any] = {}
        for ours in ("alias", "description"):
            if entry.text(ours):
                exposure[ours] = entry.text(ours)
        if entry.take("paginate") is True:
            if can_paginate(plugin) and api != "rest":
                exposure["paginate"] = True
            else:
                entry.losses.add(
                    entry.at("paginate"), "no cursor pagination to follow: pages are not followed"
                )
        entry.finish()
        allowed[key] = exposure or None
    if not allowed:
        spec.losses.add(spec.at("allowedOperations"), "an empty list: left out, every operation is exposed")
    elif api == "rest":
        plugin["operations"] = _filtered(plugin.get("operations", []), allowed, spec)
    else:
        plugin["allowed_operations"] = allowed


def _filtered(
    operations: list[dict[str, Any]], allowed: dict[str, dict[str, Any] | None], spec: Fields
) -> list[dict[str, Any]]:
    by_name = {op["name"]: op for op in operations}
    for unknown in sorted(set(allowed) - set(by_name)):
        spec.losses.add(spec.at(f"allowedOperations.{unknown}"), "names no REST operation: left out")
    kept = []
    for name, exposure in allowed.items():
        if name in by_name:
            op = dict(by_name[name])
            exposure = exposure or {}
            op["name"] = exposure.get("alias") or op["name"]
            if exposure.get("description"):
                op["description"] = exposure["description"]
            kept.append(op)
    return kept


def _response_mapping(entry: Fields, mapping: dict[str, Any], pagination: dict[str, Any]) -> None:
    if entry.text("dataPath"):
        mapping["data_path"] = entry.text("dataPath")
    page = entry.child("pagination")
    if "hasMore" in page:
        path = _body_path(page.child("hasMore"))
        if path:
            pagination["has_more_path"] = path
    if "cursor" in page:
        pagination.update(_cursor(page.child("cursor")))
    page.finish()
    entry.finish()


def _pagination(entry: Fields, mapping: dict[str, Any], pagination: dict[str, Any]) -> None:
    style = entry.text("style") or "cursor"
    if style not in _STYLES:
        entry.lose(f'"{style}" pagination has no equivalent (cursor, offset or page): pages are not followed')
        return
    if style != "cursor":
        pagination["style"] = style
    if entry.text("cursorParam"):
        pagination["cursor_param"] = entry.text("cursorParam")
    if "cursor" in entry:
        for ours, value in _cursor(entry.child("cursor")).items():
            _agree(entry, "cursor", value, pagination, ours)
    if "hasMore" in entry:
        _agree(entry, "hasMore", _body_path(entry.child("hasMore")), pagination, "has_more_path")
    if entry.text("resultsPath"):
        _agree(entry, "resultsPath", entry.text("resultsPath"), mapping, "data_path")
    if entry.text("limitParam"):
        pagination["limit_param"] = entry.text("limitParam")
    size = entry.take("defaultLimit")
    if isinstance(size, int) and not isinstance(size, bool) and size >= 1:
        pagination["page_size"] = size
    pages = entry.take("maxPages")
    if isinstance(pages, int) and not isinstance(pages, bool) and pages >= 1:
        pagination["max_pages"] = pages
    entry.finish()


def _agree(entry: Fields, key: str, value: str, target: dict[str, Any], ours: str) -> None:
    """Both ``responseMapping`` and ``pagination`` may say where a thing is; we keep one place."""
    if not value:
        return
    if target.get(ours, value) != value:
        entry.losses.add(entry.at(key), f'differs from responseMapping ("{target[ours]}"), which is kept')
        return
    target[ours] = value


def _cursor(entry: Fields) -> dict[str, str]:
    """A cursor from the body (``cursor_path``) or a response header (``cursor_header``)."""
    source = entry.text("source") or "body"
    path = entry.text("path")
    entry.finish()
    if source == "header" and path:
        return {"cursor_header": path}
    if source != "body":
        entry.losses.add(entry.path, f"a {source} value has no equivalent (body or header): left out")
        return {}
    return {"cursor_path": path} if path else {}


def _body_path(entry: Fields) -> str:
    source = entry.text("source") or "body"
    path = entry.text("path")
    entry.finish()
    if source != "body":
        entry.losses.add(entry.path, f"a {source} value has no equivalent (only the body is read): left out")
        return ""
    return path
