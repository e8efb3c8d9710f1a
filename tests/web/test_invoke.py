"""End to end: a mode-none inline operation reaches a real local upstream exactly as expected."""

from __future__ import annotations

from typing import Any

import pytest
from syrupy.assertion import SnapshotAssertion

from tests.conftest import GatewayFactory
from tests.support.upstream import Upstream


def rest_provider(base_url: str) -> dict[str, Any]:
    return {
        "display_name": "Echo",
        "plugin": {
            "base_url": base_url + "/v1",
            "headers": {"X-Static": "static-value"},
            "operations": [
                {
                    "name": "get_item",
                    "description": "Fetch one item",
                    "method": "GET",
                    "path": "/items/{item_id}",
                    "parameters": [
                        {"name": "item_id", "type": "string", "description": "Item id"},
                        {"name": "limit", "type": "integer", "default": 10},
                        {"name": "verbose", "type": "boolean"},
                        {"name": "tags", "type": "array"},
                        {"name": "X-Trace", "type": "string", "in": "header"},
                    ],
                },
                {
                    "name": "create_item",
                    "method": "POST",
                    "path": "/items/{item_id}",
                    "parameters": [
                        {"name": "item_id", "type": "string", "in": "path", "required": True},
                        {"name": "name", "type": "string", "required": True},
                        {"name": "count", "type": "integer"},
                        {"name": "meta", "type": "object"},
                        {"name": "dry_run", "type": "boolean", "in": "query"},
                    ],
                },
                {
                    "name": "templated",
                    "method": "POST",
                    "path": "/render",
                    "parameters": [
                        {"name": "title", "type": "string", "required": True},
                        {"name": "n", "type": "integer", "required": True},
                        {"name": "kind", "type": "string", "enum": ["a", "b"], "default": "a"},
                    ],
                    "headers": {"X-Title": "t={{ params.title }}"},
                    "query": {"kind": "{{ params.kind }}", "fixed": "yes"},
                    "body": {
                        "doc": {"title": "{{ params.title | upper }}", "count": "{{ params.n }}"},
                        "list": ["{{ params.n + 1 }}", "plain", 3],
                        "text": "n is {{ params.n }}",
                    },
                },
                {"name": "passthrough_get", "method": "GET", "path": "/pass"},
                {"name": "passthrough_post", "method": "POST", "path": "/pass/{id}"},
            ],
        },
    }


def test_get_with_query_params(
    gateway: GatewayFactory, upstream: Upstream, snapshot: SnapshotAssertion
) -> None:
    client = gateway({"echo": rest_provider(upstream.url)})
    r = client.get(
        "/api/v1/echo/get_item",
        params=[("item_id", "a b/c"), ("verbose", "true"), ("tags", "x"), ("tags", "y"), ("X-Trace", "t-1")],
    )
    assert r.status_code == 200, r.text
    assert upstream.last().snapshot() == snapshot


def test_post_with_json_body(
    gateway: GatewayFactory, upstream: Upstream, snapshot: SnapshotAssertion
) -> None:
    client = gateway({"echo": rest_provider(upstream.url)})
    r = client.post(
        "/api/v1/echo/create_item",
        json={"item_id": "item-7", "name": "updated", "count": 3, "meta": {"k": [1, 2]}, "dry_run": True},
    )
    assert r.status_code == 200, r.text
    assert upstream.last().snapshot() == snapshot


def test_templates_render_headers_query_and_typed_body(
    gateway: GatewayFactory, upstream: Upstream, snapshot: SnapshotAssertion
) -> None:
    client = gateway({"echo": rest_provider(upstream.url)})
    r = client.post("/api/v1/echo/templated", json={"title": "hello", "n": 41})
    assert r.status_code == 200, r.text
    sent = upstream.last()
    assert sent.json() == {
        "doc": {"title": "HELLO", "count": 41},
        "list": [42, "plain", 3],
        "text": "n is 41",
    }
    assert sent.snapshot() == snapshot


def test_operations_without_parameters_pass_everything_through(
    gateway: GatewayFactory, upstream: Upstream
) -> None:
    client = gateway({"echo": rest_provider(upstream.url)})
    assert client.get("/api/v1/echo/passthrough_get?a=1&b=two").status_code == 200
    assert upstream.last().query == [("a", "1"), ("b", "two")]
    assert client.post("/api/v1/echo/passthrough_post", json={"id": "x1", "n": 2}).status_code == 200
    assert (upstream.last().path, upstream.last().json()) == ("/v1/pass/x1", {"n": 2})


def test_upstream_response_is_replayed_verbatim(gateway: GatewayFactory, upstream: Upstream) -> None:
    client = gateway({"echo": rest_provider(upstream.url)})
    upstream.reply(
        "/v1/items/x",
        201,
        b"plain text body",
        {"Content-Type": "text/plain; charset=utf-8", "X-Upstream-Only": "1"},
    )
    r = client.get("/api/v1/echo/get_item?item_id=x")
    assert (r.status_code, r.headers["content-type"], r.content) == (
        201,
        "text/plain; charset=utf-8",
        b"plain text body",
    )
    assert "x-upstream-only" not in r.headers
    assert r.headers["x-content-type-options"] == "nosniff"


def test_upstream_errors_pass_through(gateway: GatewayFactory, upstream: Upstream) -> None:
    client = gateway({"echo": rest_provider(upstream.url)})
    upstream.reply("/v1/items/bad", 400, {"error": {"message": "invalid parameter: limit"}})
    r = client.get("/api/v1/echo/get_item?item_id=bad")
    assert r.status_code == 400
    assert r.json() == {"error": {"message": "invalid parameter: limit"}}


def test_idempotent_calls_retry_on_503_and_posts_do_not(gateway: GatewayFactory, upstream: Upstream) -> None:
    client = gateway({"echo": rest_provider(upstream.url)})
    upstream.reply("/v1/items/flaky", 503, {"error": "busy"}, {"Retry-After": "0"})
    assert client.get("/api/v1/echo/get_item?item_id=flaky").status_code == 503
    assert len(upstream.requests) == 3
    upstream.reply("/v1/items/flaky", 503, {"error": "busy"})
    assert client.post("/api/v1/echo/create_item", json={"item_id": "flaky", "name": "n"}).status_code == 503
    assert len(upstream.requests) == 4


@pytest.mark.parametrize(
    ("call", "status", "message"),
    [
        (("GET", "/api/v1/echo/get_item", None), 400, 'missing required parameter "item_id"'),
        (
            ("GET", "/api/v1/echo/get_item?item_id=1&limit=ten", None),
            400,
            'parameter "limit" must be of type integer, got string',
        ),
        (
            ("GET", "/api/v1/echo/get_item?item_id=1&nope=1", None),
            400,
            'unknown parameter "nope"; accepted parameters: item_id, limit, verbose, tags, X-Trace',
        ),
        (
            ("POST", "/api/v1/echo/create_item", {"item_id": "1", "name": 5}),
            400,
            'parameter "name" must be of type string, got integer',
        ),
        (
            ("POST", "/api/v1/echo/templated", {"title": "t", "n": 1, "kind": "z"}),
            400,
            'parameter "kind" must be one of: "a", "b"',
        ),
        (("POST", "/api/v1/echo/create_item", "[1]"), 400, "invalid JSON body"),
        (("POST", "/api/v1/echo/create_item", "{nope"), 400, "invalid JSON body"),
        (("GET", "/api/v1/echo/missing", None), 404, 'operation "missing" not found on integration "echo"'),
        (("GET", "/api/v1/ghost/op", None), 404, 'integration "ghost" not found'),
        (
            ("GET", "/api/v1/echo/get_item?item_id=1&_connection=bad%20name", None),
            400,
            "connection name contains invalid characters",
        ),
    ],
)
def test_bad_calls_are_rejected_before_going_upstream(
    gateway: GatewayFactory, upstream: Upstream, call: tuple[str, str, Any], status: int, message: str
) -> None:
    client = gateway({"echo": rest_provider(upstream.url)})
    method, path, body = call
    if isinstance(body, str):
        r = client.request(method, path, content=body.encode())
    else:
        r = client.request(method, path, json=body)
    assert (r.status_code, r.json()) == (status, {"error": message})
    assert upstream.requests == []


def test_transport_failures_are_sanitised_502s(gateway: GatewayFactory) -> None:
    client = gateway(
        {
            "dead": {
                "plugin": {
                    "base_url": "http://127.0.0.1:9",
                    "operations": [{"name": "ping", "method": "GET", "path": "/ping"}],
                }
            }
        }
    )
    r = client.get("/api/v1/dead/ping")
    assert (r.status_code, r.json()) == (502, {"error": "failed to reach upstream service"})


def test_upstream_timeout_is_502(gateway: GatewayFactory, upstream: Upstream) -> None:
    import time

    def slow(_req: Any) -> tuple[int, dict[str, str], bytes]:
        time.sleep(3)
        return 200, {}, b"{}"

    upstream.replies["/v1/slow"] = slow
    client = gateway(
        {
            "echo": {
                "plugin": {
                    "base_url": upstream.url + "/v1",
                    "operations": [{"name": "slow", "method": "POST", "path": "/slow"}],
                }
            }
        }
    )
    r = client.post("/api/v1/echo/slow", json={})
    assert (r.status_code, r.json()) == (502, {"error": "upstream service timed out"})


def test_body_over_one_mebibyte_is_rejected(gateway: GatewayFactory, upstream: Upstream) -> None:
    client = gateway({"echo": rest_provider(upstream.url)})
    big = b'{"name": "' + b"x" * (1 << 20) + b'"}'
    r = client.post("/api/v1/echo/create_item", content=big)
    assert (r.status_code, r.json()) == (400, {"error": "invalid JSON body"})
    assert upstream.requests == []


def one_operation(base_url: str, path: str = "/ping") -> dict[str, Any]:
    return {"plugin": {"base_url": base_url, "operations": [{"name": "ping", "method": "GET", "path": path}]}}


@pytest.mark.parametrize("host", ["169.254.169.254", "[::ffff:169.254.169.254]", "[fd00:ec2::254]"])
def test_cloud_metadata_addresses_are_denied(gateway: GatewayFactory, host: str) -> None:
    client = gateway({"meta": one_operation(f"http://{host}", "/latest/meta-data/iam")})
    r = client.get("/api/v1/meta/ping")
    literal = host.strip("[]")
    assert (r.status_code, r.json()) == (
        403,
        {"error": f"egress denied: {literal} is a link-local or cloud metadata address"},
    )


def test_an_upstream_body_past_50_mib_is_a_502_not_a_truncated_200(
    gateway: GatewayFactory, upstream: Upstream
) -> None:
    upstream.reply("/big", body=b'{"data": "' + b"x" * (60 * 1024 * 1024) + b'"}')
    client = gateway({"big": one_operation(upstream.url, "/big")})
    r = client.get("/api/v1/big/ping")
    assert (r.status_code, r.json()) == (502, {"error": "upstream response larger than 50 MiB"})
