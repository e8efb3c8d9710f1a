"""End to end: an OpenAPI document served by a real local upstream, fetched at startup, invoked."""

from __future__ import annotations

import json
from typing import Any

from tests.conftest import GatewayFactory
from tests.support.upstream import Recorded, Reply, Upstream


def document(server: str) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "Items API", "version": "2026-03-11"},
        "servers": [{"url": server + "/{version}", "variables": {"version": {"default": "v1"}}}],
        "components": {
            "securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": "X-Api-Key"}},
            "schemas": {"Item": {"type": "object", "properties": {"name": {"type": "string"}}}},
        },
        "security": [{"key": []}],
        "paths": {
            "/items/{item_id}": {
                "parameters": [
                    {"name": "item_id", "in": "path", "required": True, "schema": {"type": "string"}}
                ],
                "get": {
                    "operationId": "getItem",
                    "parameters": [{"name": "page[size]", "in": "query", "schema": {"type": "integer"}}],
                },
                "put": {
                    "operationId": "putItem",
                    "requestBody": {
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Item"}}}
                    },
                },
            },
            "/items": {
                "post": {
                    "operationId": "listItems",
                    "requestBody": {
                        "content": {
                            "application/json": {
                                "schema": {"type": "object", "properties": {"cursor": {"type": "string"}}}
                            }
                        }
                    },
                }
            },
            "/tags": {
                "post": {
                    "requestBody": {
                        "content": {
                            "application/json": {"schema": {"type": "array", "items": {"type": "string"}}}
                        }
                    }
                }
            },
        },
    }


def provider(upstream: Upstream, **plugin: Any) -> dict[str, Any]:
    upstream.reply("/openapi.json", 200, document(upstream.url))
    return {
        "plugin": {
            "openapi": upstream.url + "/openapi.json",
            "connections": {"svc": {"mode": "identity", "identity": {"token": "k-123"}}},
            "openapi_connection": "svc",
            **plugin,
        }
    }


def test_openapi_operation_reaches_the_upstream(gateway: GatewayFactory, upstream: Upstream) -> None:
    client = gateway({"items": provider(upstream, headers={"X-Static": "s"})})
    r = client.get("/api/v1/items/getItem", params={"item_id": "a b", "page_size": "5"})
    assert r.status_code == 200, r.text
    sent = upstream.last()
    assert (sent.method, sent.path, sent.query) == ("GET", "/v1/items/a%20b", [("page[size]", "5")])
    assert sent.headers["X-Api-Key"] == "k-123"  # apiKey scheme → auth_mapping header
    assert sent.headers["X-Static"] == "s"


def test_object_and_whole_bodies(gateway: GatewayFactory, upstream: Upstream) -> None:
    client = gateway({"items": provider(upstream)})
    assert client.post("/api/v1/items/putItem", json={"item_id": "7", "name": "n"}).status_code == 200
    assert (upstream.last().method, upstream.last().json()) == ("PUT", {"name": "n"})
    assert client.post("/api/v1/items/post_tags", json={"body": ["a", "b"]}).status_code == 200
    assert upstream.last().json() == ["a", "b"]


def test_managed_parameters_and_alias(gateway: GatewayFactory, upstream: Upstream) -> None:
    client = gateway(
        {
            "items": provider(
                upstream,
                managed_parameters=[{"in": "path", "name": "item_id", "value": "fixed"}],
                allowed_operations={"getItem": {"alias": "fetch", "description": "Fetch it"}},
            )
        }
    )
    ops = client.get("/api/v1/integrations/items/operations").json()
    assert [(o["id"], o.get("description"), [p["name"] for p in o["parameters"]]) for o in ops] == [
        ("fetch", "Fetch it", ["page_size"])
    ]
    assert client.get("/api/v1/items/fetch").status_code == 200
    assert upstream.last().path == "/v1/items/fixed"
    assert client.get("/api/v1/items/getItem").status_code == 404


def _pages(req: Recorded) -> Reply:
    cursor = (req.json() or {}).get("cursor")
    page = {None: 0, "c1": 1, "c2": 2}[cursor]
    body = {"results": [f"item-{page}a", f"item-{page}b"], "moreDataAvailable": page < 2}
    if page < 2:
        body["nextCursor"] = f"c{page + 1}"
    return 200, {"Content-Type": "application/json"}, json.dumps(body).encode()


def paginated(upstream: Upstream, max_pages: int) -> dict[str, Any]:
    upstream.replies["/v1/items"] = _pages
    mapping = {
        "data_path": "results",
        "pagination": {
            "has_more_path": "moreDataAvailable",
            "cursor_path": "nextCursor",
            "cursor_param": "cursor",
            "max_pages": max_pages,
        },
    }
    return provider(upstream, response_mapping=mapping, allowed_operations={"listItems": {"paginate": True}})


def test_paginated_list_is_followed_across_three_pages(gateway: GatewayFactory, upstream: Upstream) -> None:
    client = gateway({"items": paginated(upstream, 10)})
    r = client.post("/api/v1/items/listItems", json={})
    assert r.status_code == 200, r.text
    assert r.json() == {
        "data": ["item-0a", "item-0b", "item-1a", "item-1b", "item-2a", "item-2b"],
        "truncated": False,
    }
    assert [req.json() for req in upstream.requests if req.path == "/v1/items"] == [
        {},
        {"cursor": "c1"},
        {"cursor": "c2"},
    ]


def test_pagination_limit_reports_truncation(gateway: GatewayFactory, upstream: Upstream) -> None:
    client = gateway({"items": paginated(upstream, 2)})
    body = client.post("/api/v1/items/listItems", json={}).json()
    assert body["truncated"] is True and len(body["data"]) == 4
    assert body["pagination"] == {"has_more": True, "cursor": "c2"}


def test_response_mapping_reshapes_single_calls(gateway: GatewayFactory, upstream: Upstream) -> None:
    spec = paginated(upstream, 10)
    spec["plugin"]["allowed_operations"] = {"listItems": {}}
    client = gateway({"items": spec})
    body = client.post("/api/v1/items/listItems", json={"cursor": "c1"}).json()
    assert body == {"data": ["item-1a", "item-1b"], "pagination": {"cursor": "c2", "has_more": True}}


WIDE_YAML = """
openapi: 3.0.3
info: {title: Ledger, version: "1"}
servers: [{url: "%s"}]
paths:
  /accounts/{id}:
    get:
      operationId: getAccount
      parameters:
        - name: id
          in: path
          required: true
          schema: {type: integer, maximum: 123456789012345678901234567890}
          example: 123456789012345678901234567890
"""


def test_a_document_with_integers_past_64_bits_is_served(gateway: GatewayFactory, upstream: Upstream) -> None:
    upstream.reply("/openapi.yaml", 200, (WIDE_YAML % upstream.url).encode(), {"Content-Type": "text/yaml"})
    client = gateway({"ledger": {"plugin": {"openapi": upstream.url + "/openapi.yaml"}}})
    ops = client.get("/api/v1/integrations/ledger/operations").json()
    assert [o["id"] for o in ops] == ["getAccount"]
    assert ops[0]["inputSchema"]["properties"]["id"]["maximum"] == 1.2345678901234568e29
    r = client.get("/api/v1/ledger/getAccount", params={"id": "12345678901234567890"})
    assert r.status_code == 200, r.text
    assert (upstream.last().method, upstream.last().path) == ("GET", "/accounts/12345678901234567890")
