"""Following pages: cursors in the body or a response header, Link headers, offsets and page
numbers, many operations at once; what a real loopback upstream receives is asserted."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest

from tests.conftest import GatewayFactory
from tests.support.readme import readme_yaml
from tests.support.upstream import Recorded, Reply, Upstream
from tests.support.validate import validate_plugin

ITEMS = [f"i{n}" for n in range(7)]
Q = {"type": "string"}
INT = {"type": "integer"}


def query(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "schema": schema}


def document(server: str) -> dict[str, Any]:
    listing = [query("cursor", Q), query("limit", INT), query("offset", INT), query("page", INT)]
    return {
        "openapi": "3.1.0",
        "info": {"title": "Pages", "version": "1"},
        "servers": [{"url": server}],
        "paths": {
            "/items": {"get": {"operationId": "listItems", "parameters": listing}},
            "/users": {"get": {"operationId": "listUsers", "parameters": listing}},
            "/items/{id}": {"get": {"operationId": "getItem", "parameters": [
                {"name": "id", "in": "path", "required": True, "schema": Q}]}},
            "/repos": {"get": {"operationId": "repos"}},
        },
    }  # fmt: skip


def _args(req: Recorded) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(req.target.partition("?")[2]).items()}


def by_cursor(req: Recorded) -> Reply:
    """Two items a page; the next cursor in X-Next-Cursor, none on the last page."""
    start = int(_args(req).get("cursor", "0"))
    page = ITEMS[start : start + 2]
    headers = {"Content-Type": "application/json"}
    if start + 2 < len(ITEMS):
        headers["X-Next-Cursor"] = str(start + 2)
    return 200, headers, json.dumps({"items": page}).encode()


def by_offset(req: Recorded) -> Reply:
    args = _args(req)
    start, size = int(args.get("offset", "0")), int(args.get("limit", "3"))
    return (
        200,
        {"Content-Type": "application/json"},
        json.dumps({"items": ITEMS[start : start + size]}).encode(),
    )


def by_page(req: Recorded) -> Reply:
    page = int(_args(req).get("page", "1"))
    return (
        200,
        {"Content-Type": "application/json"},
        json.dumps({"items": ITEMS[(page - 1) * 3 : page * 3]}).encode(),
    )


def by_link(upstream: Upstream) -> Any:
    def reply(req: Recorded) -> Reply:
        page = int(_args(req).get("page", "1"))
        links = {1: f'<{upstream.url}/repos?page=2>; rel="next", <{upstream.url}/repos?page=3>; rel="last"',
                 2: '</repos?page=3>; rel="prev next"'}  # fmt: skip
        headers = {"Content-Type": "application/json"}
        if page in links:
            headers["Link"] = links[page]
        return 200, headers, json.dumps([f"r{page}"]).encode()  # a top-level array, as GitHub answers

    return reply


def serve(gateway: GatewayFactory, upstream: Upstream, mapping: dict[str, Any], **plugin: Any) -> Any:
    upstream.reply("/openapi.json", body=document(upstream.url))
    spec = {"openapi": upstream.url + "/openapi.json", "response_mapping": mapping, **plugin}
    return gateway({"pages": {"plugin": spec}})


def targets(upstream: Upstream, path: str) -> list[str]:
    return [r.target for r in upstream.requests if r.path == path]


def test_the_readme_example_follows_header_cursors_for_every_list_operation(
    gateway: GatewayFactory, upstream: Upstream
) -> None:
    plugin = readme_yaml("cursor_header: X-Next-Cursor")["plugin"]
    upstream.replies["/items"] = upstream.replies["/users"] = by_cursor
    client = serve(gateway, upstream, plugin["response_mapping"])
    r = client.get("/api/v1/pages/listItems")
    assert (r.status_code, r.json()) == (200, {"data": ITEMS, "truncated": False})
    assert targets(upstream, "/items") == [
        "/items?limit=100",
        "/items?cursor=2&limit=100",
        "/items?cursor=4&limit=100",
        "/items?cursor=6&limit=100",
    ]
    assert client.get("/api/v1/pages/listUsers", params={"limit": "2"}).json()["data"] == ITEMS
    assert targets(upstream, "/users")[0] == "/users?limit=2"  # the caller's page size wins
    upstream.reply("/items/7", body={"items": ["one"]})
    assert client.get("/api/v1/pages/getItem", params={"id": "7"}).json() == {"data": ["one"]}  # not a list*


def test_offsets_page_numbers_and_the_stop_conditions(gateway: GatewayFactory, upstream: Upstream) -> None:
    upstream.replies["/items"], upstream.replies["/users"] = by_offset, by_page
    offset = {"style": "offset", "cursor_param": "offset", "limit_param": "limit", "page_size": 3}
    client = serve(gateway, upstream, {"data_path": "items", "pagination": offset, "paginate": ["listItems"]})
    assert client.get("/api/v1/pages/listItems").json() == {"data": ITEMS, "truncated": False}
    assert targets(upstream, "/items") == [
        "/items?limit=3",
        "/items?limit=3&offset=3",
        "/items?limit=3&offset=6",
    ]
    pages = {"style": "page", "cursor_param": "page", "max_pages": 2}
    client = serve(gateway, upstream, {"data_path": "items", "pagination": pages, "paginate": True})
    body = client.get("/api/v1/pages/listUsers").json()
    assert body == {"data": ITEMS[:6], "truncated": True, "pagination": {"has_more": True, "cursor": 3}}
    assert client.get("/api/v1/pages/listUsers", params={"page": "3"}).json() == {
        "data": ["i6"],
        "truncated": False,
    }
    assert targets(upstream, "/users")[-2:] == ["/users?page=3", "/users?page=4"]  # the empty page ends it


def test_link_headers_are_followed_on_the_same_origin_only(
    gateway: GatewayFactory, upstream: Upstream
) -> None:
    upstream.replies["/repos"] = by_link(upstream)
    client = serve(gateway, upstream, {"pagination": {"style": "link"}, "paginate": ["repos"]})
    assert client.get("/api/v1/pages/repos").json() == {"data": ["r1", "r2", "r3"], "truncated": False}
    assert targets(upstream, "/repos") == ["/repos", "/repos?page=2", "/repos?page=3"]
    elsewhere = '<http://elsewhere.example/repos?page=2>; rel="next"'
    upstream.reply("/repos", body=["r1"], headers={"Link": elsewhere})
    r = client.get("/api/v1/pages/repos")
    assert (r.status_code, r.json()) == (502, {"error": "upstream service returned an invalid response"})


def test_paginate_settings_that_cannot_work_are_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], upstream: Upstream
) -> None:
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "pages.json").write_text(json.dumps(document(upstream.url)))
    common = {"openapi": "../specs/pages.json"}
    found = validate_plugin(
        tmp_path,
        capsys,
        {
            **common,
            "response_mapping": {
                "paginate": ["list*", "fetch*"],
                "pagination": {"cursor_param": "cursor", "cursor_path": "next"},
            },
        },
    )
    assert found == ['4:3: response_mapping.paginate: "fetch*" matches no operation that takes "cursor" '
                     "(at /plugin/response_mapping)"]  # fmt: skip
    found = validate_plugin(
        tmp_path,
        capsys,
        {
            **common,
            "allowed_operations": {"getItem": {"paginate": True}},
            "response_mapping": {"pagination": {"cursor_param": "cursor"}},
        },
    )
    assert found == [
        "7:3: paginated operations need response_mapping.pagination: style cursor needs "
        "cursor_path or cursor_header (where the next cursor is) (at /plugin/response_mapping)"
    ]


def test_paginate_on_an_inline_operation_is_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    op = {"name": "list", "method": "GET", "path": "/items", "paginate": True}
    assert validate_plugin(tmp_path, capsys, {"operations": [op]}) == [
        '7:5: operation "list" sets paginate, but pages are followed through response_mapping, which only '
        "openapi and graphql_url integrations have (at /plugin/operations/0/paginate)"
    ]
