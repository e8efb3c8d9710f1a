"""The non-invoke surface: health, readiness, discovery listings, OpenAPI, headers, 404/405."""

from __future__ import annotations

from typing import Any

from syrupy.assertion import SnapshotAssertion

from tests.conftest import GatewayFactory
from tests.support.upstream import Upstream


def providers(base_url: str) -> dict[str, dict[str, Any]]:
    return {
        "alpha": {
            "display_name": "Alpha",
            "description": "First",
            "plugin": {
                "base_url": base_url,
                "operations": [
                    {
                        "name": "list_things",
                        "description": "List things",
                        "method": "GET",
                        "path": "/things",
                        "parameters": [
                            {"name": "limit", "type": "int", "description": "Max items", "default": 5},
                            {"name": "kind", "type": "string", "enum": ["a", "b"]},
                        ],
                    },
                    {
                        "name": "put_thing",
                        "method": "PUT",
                        "path": "/things/{id}",
                        "parameters": [{"name": "id", "type": "string"}, {"name": "body", "type": "object"}],
                    },
                    {
                        "name": "delete_thing",
                        "method": "DELETE",
                        "path": "/things/{id}",
                        "parameters": [{"name": "id", "type": "string"}],
                    },
                ],
            },
        },
        "beta": {
            "plugin": {
                "base_url": base_url,
                "auth": {
                    "type": "manual",
                    "credentials": [{"name": "api_key", "label": "API key"}],
                    "auth_mapping": {"headers": {"X-Api-Key": "api_key"}},
                },
                "params": {"region": {"required": True, "description": "Region"}},
                "operations": [{"name": "ping", "method": "POST", "path": "/ping"}],
            },
        },
    }


def test_health_and_ready(gateway: GatewayFactory, upstream: Upstream) -> None:
    client = gateway(providers(upstream.url))
    assert client.get("/health").json() == {"status": "ok"}
    assert client.get("/ready").json() == {"status": "ok"}


def test_ready_is_503_when_the_datastore_is_unreachable(gateway: GatewayFactory, upstream: Upstream) -> None:
    client = gateway(
        providers(upstream.url),
        {
            "datastore": {
                "provider": "postgres",
                "config": {"dsn": "host=127.0.0.1 port=9 dbname=x user=x connect_timeout=1"},
            }
        },
    )
    r = client.get("/ready")
    assert (r.status_code, r.json()) == (503, {"status": "datastore unavailable"})
    assert client.get("/health").status_code == 200


def test_integration_listing(
    gateway: GatewayFactory, upstream: Upstream, snapshot: SnapshotAssertion
) -> None:
    client = gateway(providers(upstream.url))
    assert client.get("/api/v1/integrations").json() == snapshot


def test_operation_listing_is_the_compiled_contract(
    gateway: GatewayFactory, upstream: Upstream, snapshot: SnapshotAssertion
) -> None:
    client = gateway(providers(upstream.url))
    assert client.get("/api/v1/integrations/alpha/operations").json() == snapshot
    r = client.get("/api/v1/integrations/ghost/operations")
    assert (r.status_code, r.json()) == (404, {"error": 'integration "ghost" not found'})


def test_bindings_listing_is_empty_without_bindings(gateway: GatewayFactory, upstream: Upstream) -> None:
    assert gateway(providers(upstream.url)).get("/api/v1/bindings").json() == []


def test_openapi_document_has_one_typed_entry_per_operation(
    gateway: GatewayFactory, upstream: Upstream
) -> None:
    doc = gateway(providers(upstream.url)).get("/schema/openapi.json").json()
    entry = doc["paths"]["/api/v1/alpha/list_things"]
    assert {p["name"]: p["schema"]["type"] for p in entry["get"]["parameters"]} == {
        "limit": "integer",
        "kind": "string",
    }
    body = entry["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body["properties"]["kind"]["enum"] == ["a", "b"]
    assert {"/api/v1/alpha/put_thing", "/api/v1/alpha/delete_thing", "/api/v1/beta/ping"} <= set(doc["paths"])


def test_unknown_paths_and_wrong_methods(gateway: GatewayFactory, upstream: Upstream) -> None:
    client = gateway(providers(upstream.url))
    r = client.get("/nowhere")
    assert (r.status_code, r.json(), r.headers["x-frame-options"]) == (404, {"error": "not found"}, "DENY")
    r = client.put("/api/v1/tokens")
    assert r.status_code == 405 and "GET" in r.headers["allow"]
    r = client.delete("/api/v1/alpha/list_things")
    assert r.status_code == 405 and r.headers["allow"] == "GET, POST"


def test_hsts_only_behind_https(gateway: GatewayFactory, upstream: Upstream) -> None:
    plain = gateway(providers(upstream.url))
    assert "strict-transport-security" not in plain.get("/health").headers
    secure = gateway(
        providers(upstream.url),
        {"server": {"base_url": "https://gw.example.test", "encryption_key": "22" * 32}},
    )
    for path in ("/health", "/api/v1/alpha/list_things"):
        assert secure.get(path).headers["strict-transport-security"] == "max-age=63072000; includeSubDomains"
