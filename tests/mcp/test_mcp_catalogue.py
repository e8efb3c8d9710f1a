"""How ``/mcp`` presents a catalogue: search mode and its meta-tools (by deployment and per
token), tools the caller cannot use yet left out unless asked, ``plugin.mcp: false``, server
instructions, per-operation annotations and OpenAPI output schemas. Through the real app."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from litestar.testing import TestClient

from tests.conftest import GatewayFactory
from tests.support.identity import bearer, local_auth, local_login
from tests.support.upstream import Upstream

BULK = 120
V = "2025-11-25"


def providers(url: str, openapi: Path) -> dict[str, Any]:
    ops = [
        {"name": "ping", "method": "GET", "path": "/ping"},
        {"name": "lookup", "method": "POST", "path": "/lookup", "description": "Look up things by a query",
         "parameters": [{"name": "q", "type": "string"}], "annotations": {"readOnlyHint": True}},
        *({"name": f"bulk{i:03d}", "method": "GET", "path": f"/bulk/{i}", "description": f"Bulk item {i}"}
          for i in range(BULK)),
    ]  # fmt: skip
    secret = {"name": "secret", "method": "GET", "path": "/secret", "description": "Read the vault secret"}
    return {
        "echo": {"description": "Echoes what it is sent.", "plugin": {"base_url": url, "operations": ops}},
        "vault": {"plugin": {"base_url": url, "auth": {"type": "bearer"}, "operations": [secret]}},
        "hidden": {"plugin": {"base_url": url, "mcp": False, "operations": [ops[0]]}},
        "docs": {"display_name": "Docs API", "plugin": {"openapi": str(openapi)}},
    }


def openapi_document(tmp_path: Path, url: str) -> Path:
    tags = {"type": "array", "items": {"type": "string", "enum": ["a"]}}
    thing = {
        "type": "object",
        "required": ["id"],
        "additionalProperties": False,
        "properties": {"id": {"type": "integer"}, "tags": tags},
    }
    id_param = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}

    def answers(schema: dict[str, Any]) -> dict[str, Any]:
        return {"200": {"description": "ok", "content": {"application/json": {"schema": schema}}}}

    doc = {
        "openapi": "3.0.3",
        "info": {"title": "Docs", "version": "1"},
        "servers": [{"url": url}],
        "paths": {
            "/things/{id}": {
                "get": {"operationId": "getThing", "parameters": [id_param], "responses": answers(thing)}
            },
            "/count": {"get": {"operationId": "count", "responses": answers({"type": "integer"})}},
        },
    }
    path = tmp_path / "docs.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


@pytest.fixture
def app(gateway: GatewayFactory, upstream: Upstream, tmp_path: Path) -> TestClient[Any]:
    extra = {**local_auth(), "server": {"encryption_key": "11" * 32}}
    client = gateway(providers(upstream.url, openapi_document(tmp_path, upstream.url)), extra)
    assert local_login(client).status_code == 200
    return client


def token(client: TestClient[Any], **body: Any) -> str:
    reply = client.post("/api/v1/tokens", json={"name": "t", **body})
    assert reply.status_code == 201, reply.text
    value: str = reply.json()["token"]
    return value


def rpc(client: TestClient[Any], access: str, method: str, params: dict[str, Any] | None = None) -> Any:
    body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": params or {}}
    headers = {**bearer(access), "MCP-Protocol-Version": V, "Cookie": ""}
    reply = client.post("/mcp", json=body, headers=headers)
    assert reply.status_code == 200, reply.text
    return reply


def listed(client: TestClient[Any], access: str) -> list[dict[str, Any]]:
    tools, cursor = [], None
    while True:
        page = rpc(client, access, "tools/list", {"cursor": cursor} if cursor else {}).json()["result"]
        tools += page["tools"]
        cursor = page.get("nextCursor")
        if cursor is None:
            return tools


def call(client: TestClient[Any], access: str, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = rpc(client, access, "tools/call", {"name": name, "arguments": arguments}).json()[
        "result"
    ]
    return result


def test_a_large_catalogue_gets_the_search_meta_tools(app: TestClient[Any], upstream: Upstream) -> None:
    access = token(app)
    reply = rpc(app, access, "tools/list")
    assert [t["name"] for t in reply.json()["result"]["tools"]] == [
        "call_tool",
        "describe_tool",
        "search_tools",
    ]
    assert len(reply.content) < 5 * 1024
    hits = call(app, access, "search_tools", {"query": "look up things"})["structuredContent"]["tools"]
    assert hits[0] == {
        "name": "echo_lookup", "title": "echo: Look up things by a query",
        "description": "Look up things by a query", "integration": "echo", "connected": True,
    }  # fmt: skip
    described = call(app, access, "describe_tool", {"name": "echo_lookup"})["structuredContent"]
    assert (
        described["inputSchema"]["properties"] == {"q": {"type": "string"}} and described["connected"] is True
    )
    upstream.reply("/lookup", body={"found": 1})
    result = call(app, access, "call_tool", {"name": "echo_lookup", "arguments": {"q": "x"}})
    assert result["structuredContent"] == {"found": 1} and upstream.last().json() == {"q": "x"}
    wrong = call(app, access, "describe_tool", {"name": "nope"})
    assert wrong["isError"] is True and "search_tools" in wrong["content"][0]["text"]
    assert call(app, access, "search_tools", {"query": "x", "limit": 0})["isError"] is True


def test_a_token_may_ask_for_every_tool_and_the_deployment_for_search(
    gateway: GatewayFactory, upstream: Upstream, tmp_path: Path, app: TestClient[Any]
) -> None:
    every = listed(app, token(app, mcp_tools="all"))
    names = {t["name"] for t in every}
    assert len(every) == BULK + 4 and {"echo_ping", "echo_lookup", "docs_getThing", "docs_count"} <= names
    assert app.post("/api/v1/tokens", json={"name": "x", "mcp_tools": "some"}).status_code == 400
    assert [t["name"] for t in listed(app, token(app, scopes=["docs"]))] == [
        "docs_count",
        "docs_getThing",
    ]  # few: all
    listed_back = app.get("/api/v1/tokens").json()
    assert sorted(str(t.get("mcp_tools")) for t in listed_back) == ["None", "all"]
    ops = [{"name": "ping", "method": "GET", "path": "/ping"}]
    small = {"small": {"plugin": {"base_url": upstream.url, "operations": ops}}}
    searching = {**local_auth(), "server": {"encryption_key": "11" * 32, "mcp": {"tools": "search"}}}
    deployment = gateway(small, searching)
    assert local_login(deployment).status_code == 200
    assert len(listed(deployment, token(deployment))) == 3  # search, even for one tool
    every_tool = {t["name"] for t in listed(deployment, token(deployment, mcp_tools="all"))}
    assert "small_ping" in every_tool and "search_tools" not in every_tool


def test_tools_the_caller_cannot_use_yet_are_offered_on_request(app: TestClient[Any]) -> None:
    access = token(app, mcp_tools="all")
    assert "vault_secret" not in {t["name"] for t in listed(app, access)}
    assert call(app, access, "search_tools", {"query": "vault secret"})["structuredContent"]["tools"] == []
    everything = call(app, access, "search_tools", {"query": "vault secret", "include_unconnected": True})
    assert everything["structuredContent"]["tools"][0]["name"] == "vault_secret"
    assert everything["structuredContent"]["tools"][0]["connected"] is False
    connect = {"integration": "vault", "credential": "s3cret"}
    assert app.post("/api/v1/auth/connect-manual", json=connect).status_code == 200
    assert "vault_secret" in {t["name"] for t in listed(app, access)}


def test_an_integration_with_mcp_false_stays_off_mcp(app: TestClient[Any]) -> None:
    access = token(app, mcp_tools="all")
    assert not [t for t in listed(app, access) if t["name"].startswith("hidden_")]
    unknown = rpc(app, access, "tools/call", {"name": "hidden_ping", "arguments": {}}).json()
    assert unknown["error"]["code"] == -32602
    assert app.get("/api/v1/hidden/ping", headers={**bearer(access), "Cookie": ""}).status_code == 200
    instructions = rpc(app, access, "initialize", {"protocolVersion": V}).json()["result"]["instructions"]
    assert "- echo (tools echo_*): Echoes what it is sent." in instructions and "hidden" not in instructions


def test_annotations_and_output_schemas(app: TestClient[Any], upstream: Upstream) -> None:
    access = token(app, mcp_tools="all")
    tools = {t["name"]: t for t in listed(app, access)}
    assert tools["echo_lookup"]["annotations"]["readOnlyHint"] is True  # a POST marked read-only
    assert tools["echo_ping"]["annotations"] == {
        "title": "echo: Ping",
        "readOnlyHint": True,
        "openWorldHint": True,
    }
    schema = tools["docs_getThing"]["outputSchema"]
    assert schema == {
        "type": "object",
        "properties": {
            "id": {"type": ["integer", "null"]},
            "tags": {"type": ["array", "null"], "items": {"type": ["string", "null"]}},
        },
    }
    assert "outputSchema" not in tools["docs_count"]  # not an object
    assert tools["docs_getThing"]["title"] == "Docs API: GetThing" or tools["docs_getThing"][
        "title"
    ].startswith("Docs API:")
    upstream.reply("/things/7", body={"id": 7, "extra": True})
    assert call(app, access, "docs_getThing", {"id": 7})["structuredContent"] == {"id": 7, "extra": True}
