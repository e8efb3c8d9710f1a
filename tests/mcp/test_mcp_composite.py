"""A composite integration (``openapi`` + ``mcp_url``) on a real ``gestaltd serve``: the OpenAPI
operations serve HTTP invoke and ``/mcp``, the upstream MCP server's tools join them on ``/mcp``
through the MCP connection, and a static operation wins a name collision."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from mcp.client import Client

from tests.mcp.conftest import UPSTREAM_SECRET, run, with_client
from tests.support.configs import write_config
from tests.support.identity import bearer, local_auth, local_login
from tests.support.mcp_upstream import start_mcp_upstream
from tests.support.served import serve
from tests.support.upstream import Upstream, start_upstream


def openapi_document(server_url: str) -> dict[str, Any]:
    """Two operations; ``add`` has the name of an upstream MCP tool."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "Mixed API", "version": "1"},
        "servers": [{"url": server_url}],
        "paths": {
            "/widgets": {
                "get": {
                    "operationId": "list_widgets",
                    "summary": "List widgets",
                    "parameters": [{"name": "color", "in": "query", "schema": {"type": "string"}}],
                    "responses": {"200": {"description": "ok"}},
                }
            },
            "/add": {"post": {"operationId": "add", "summary": "The API's own add"}},
        },
    }


@dataclass
class Composite:
    url: str
    api: Upstream
    token: str


@pytest.fixture(scope="module")
def composite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Composite]:
    root = tmp_path_factory.mktemp("composite")
    api, stop_api = start_upstream()
    upstream_mcp, stop_mcp = start_mcp_upstream()
    api.reply("/openapi.json", body=openapi_document(api.url))
    mcp_conn = {"mode": "identity", "auth": {"type": "bearer"}, "identity": {"token": UPSTREAM_SECRET}}
    plugin = {
        "openapi": f"{api.url}/openapi.json",
        "auth": {"type": "none"},
        "mcp_url": upstream_mcp.url,
        "connections": {"mcp": mcp_conn},
        "mcp_connection": "mcp",
    }
    config = write_config(root, {"mixed": {"plugin": plugin}}, local_auth())
    url, stop = serve(config)
    try:
        with httpx.Client(base_url=url) as client:
            assert local_login(client).status_code == 200
            token = client.post("/api/v1/tokens", json={"name": "t"}).json()["token"]
        yield Composite(url, api, token)
    finally:
        stop()
        stop_mcp()
        stop_api()


async def _tools(c: Client) -> dict[str, dict[str, Any]]:
    listed = await c.list_tools()
    return {t.name: t.model_dump(by_alias=True, mode="json", exclude_none=True) for t in listed.tools}


def test_both_kinds_of_tools_are_listed(composite: Composite) -> None:
    tools = run(with_client(f"{composite.url}/mcp", composite.token, _tools))
    assert set(tools) == {"mixed_list_widgets", "mixed_add", "mixed_whoami", "mixed_explode"}
    assert tools["mixed_add"]["description"] == "The API's own add"  # the static operation won
    assert tools["mixed_whoami"]["description"] == "The Authorization header this call arrived with."


def test_openapi_operation_serves_http_and_mcp(composite: Composite) -> None:
    http = httpx.get(
        f"{composite.url}/api/v1/mixed/list_widgets", params={"color": "red"}, headers=bearer(composite.token)
    )
    assert http.status_code == 200 and http.json()["query"] == [["color", "red"]]
    call = lambda c: c.call_tool("mixed_list_widgets", {"color": "blue"})  # noqa: E731
    result = run(with_client(f"{composite.url}/mcp", composite.token, call))
    assert not result.is_error and result.structured_content["query"] == [["color", "blue"]]
    assert composite.api.last().path == "/widgets"


def test_upstream_tool_is_called_with_the_mcp_connection_on_both_surfaces(composite: Composite) -> None:
    call = lambda c: c.call_tool("mixed_whoami", {})  # noqa: E731
    result = run(with_client(f"{composite.url}/mcp", composite.token, call))
    assert not result.is_error and result.structured_content == {"result": f"Bearer {UPSTREAM_SECRET}"}
    http = httpx.post(f"{composite.url}/api/v1/mixed/whoami", json={}, headers=bearer(composite.token))
    assert http.status_code == 200 and http.json()["structuredContent"] == result.structured_content


def test_static_operation_wins_a_name_collision(composite: Composite) -> None:
    before = len(composite.api.requests)
    result = run(with_client(f"{composite.url}/mcp", composite.token, lambda c: c.call_tool("mixed_add", {})))
    assert not result.is_error
    assert [r.path for r in composite.api.requests[before:]] == ["/add"]
    http = httpx.post(f"{composite.url}/api/v1/mixed/add", json={}, headers=bearer(composite.token))
    assert http.status_code == 200 and http.json()["path"] == "/add"


def test_listing_shows_the_api_operations_and_the_upstream_tools(composite: Composite) -> None:
    path = "/api/v1/integrations/mixed/operations"
    listed = httpx.get(composite.url + path, headers=bearer(composite.token))
    assert listed.status_code == 200
    ops = {op["id"]: op for op in listed.json()}
    assert sorted(ops) == ["add", "explode", "list_widgets", "whoami"]
    assert ops["add"]["path"] == "/add"  # the API's own add wins, as on /mcp
    assert (ops["whoami"]["transport"], ops["list_widgets"]["transport"]) == ("mcp-passthrough", "rest")
