"""``/mcp`` driven by the official MCP Python SDK client against a real ``gestaltd serve``."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from mcp.client import Client
from mcp.shared.exceptions import MCPError
from syrupy.assertion import SnapshotAssertion

from tests.mcp.conftest import BULK, UPSTREAM_SECRET, Served, run, with_client


async def _all_tools(c: Client) -> list[dict[str, Any]]:
    tools: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        page = await c.list_tools(cursor=cursor)
        tools.extend(t.model_dump(by_alias=True, mode="json", exclude_none=True) for t in page.tools)
        cursor = page.next_cursor
        if cursor is None:
            return tools


@pytest.mark.parametrize(("mode", "version"), [("auto", "2026-07-28"), ("legacy", "2025-11-25")])
def test_initialize_negotiates_a_supported_version(served: Served, mode: str, version: str) -> None:
    """``auto`` probes ``server/discover`` and stays modern; ``legacy`` runs the handshake."""
    async def use(c: Client) -> tuple[str, str | None, bool]:
        info = c.server_info
        return c.protocol_version, info.name if info else None, c.server_capabilities.tools is not None

    assert run(with_client(served.mcp_url, served.token, use, mode=mode)) == (version, "gestalt", True)


def test_tool_list_snapshot(served: Served, snapshot: SnapshotAssertion) -> None:
    tools = run(with_client(served.mcp_url, served.tokens["echo up"], _all_tools))
    assert tools == snapshot


def test_paging_lists_every_tool_once_in_order(served: Served) -> None:
    tools = run(with_client(served.mcp_url, served.token, _all_tools))
    names = [t["name"] for t in tools]
    assert len(names) == BULK + 3 + 1 + 3 == len(set(names))
    assert names == sorted(names)
    assert {"echo_search", "oth_ping", "up_add", "bulk_op149"} <= set(names)


def test_scoped_token_sees_only_its_integrations(served: Served) -> None:
    tools = run(with_client(served.mcp_url, served.tokens["echo"], _all_tools))
    assert [t["name"] for t in tools] == ["echo_create", "echo_ping", "echo_search"]


def test_rest_tool_call_matches_http_invoke(served: Served) -> None:
    args = {"q": "cats", "limit": 3}
    result = run(with_client(served.mcp_url, served.token, lambda c: c.call_tool("echo_search", args)))
    http = httpx.post(f"{served.url}/api/v1/echo/search", json=args, headers=_bearer(served.token))
    assert http.status_code == 200
    assert not result.is_error
    assert result.content[0].text == http.text  # type: ignore[union-attr]
    assert result.structured_content == http.json()
    assert served.upstream.last().path == "/search" and served.upstream.last().query == [
        ("q", "cats"),
        ("limit", "3"),
    ]


def test_upstream_mcp_tool_passes_through_with_the_connection_credential(served: Served) -> None:
    result = run(with_client(served.mcp_url, served.token, lambda c: c.call_tool("up_whoami", {})))
    assert not result.is_error
    assert result.structured_content == {"result": f"Bearer {UPSTREAM_SECRET}"}
    added = run(
        with_client(served.mcp_url, served.tokens["up"], lambda c: c.call_tool("up_add", {"a": 2, "b": 3}))
    )
    assert added.structured_content == {"result": 5}
    failed = run(with_client(served.mcp_url, served.token, lambda c: c.call_tool("up_explode", {})))
    assert failed.is_error and failed.content[0].text == "Error executing tool explode: kaboom"  # type: ignore[union-attr]


def test_upstream_mcp_tool_over_http_invoke(served: Served) -> None:
    r = httpx.post(f"{served.url}/api/v1/up/add", json={"a": 1, "b": 41}, headers=_bearer(served.token))
    assert r.status_code == 200
    body = r.json()
    assert body["structuredContent"] == {"result": 42} and body["isError"] is False
    missing = httpx.post(f"{served.url}/api/v1/up/nope", json={}, headers=_bearer(served.token))
    assert (missing.status_code, missing.json()) == (
        404,
        {"error": 'operation "nope" not found on integration "up"'},
    )


def test_upstream_mcp_tools_are_listed_over_http_as_on_mcp(
    served: Served, snapshot: SnapshotAssertion
) -> None:
    """``GET /api/v1/integrations/up/operations``: the caller's upstream tools, as /mcp lists them."""
    listed = httpx.get(f"{served.url}/api/v1/integrations/up/operations", headers=_bearer(served.token))
    assert listed.status_code == 200
    assert sorted(op["id"] for op in listed.json()) == ["add", "explode", "whoami"]
    assert sorted(listed.json(), key=lambda op: op["id"]) == snapshot
    tools = run(with_client(served.mcp_url, served.tokens["up"], lambda c: c.list_tools())).tools
    schemas = {t.name: t.input_schema for t in tools}
    assert {f"up_{op['id']}": op["inputSchema"] for op in listed.json()} == schemas


def test_bad_arguments_are_an_error_result_with_the_http_message(served: Served) -> None:
    bad = {"limit": 3}
    result = run(with_client(served.mcp_url, served.token, lambda c: c.call_tool("echo_search", bad)))
    http = httpx.post(f"{served.url}/api/v1/echo/search", json=bad, headers=_bearer(served.token))
    assert http.status_code == 400
    assert result.is_error and result.content[0].text == http.json()["error"]  # type: ignore[union-attr]


def test_upstream_http_error_text_is_the_upstream_body(served: Served) -> None:
    served.upstream.reply("/items", status=422, body={"message": "name taken"})
    result = run(
        with_client(served.mcp_url, served.token, lambda c: c.call_tool("echo_create", {"name": "x"}))
    )
    assert result.is_error and json.loads(result.content[0].text) == {"message": "name taken"}  # type: ignore[union-attr]


def test_unknown_tool_is_invalid_params(served: Served) -> None:
    error = _mcp_error(lambda c: c.call_tool("nope_nothing", {}), served)
    assert (error.code, error.message) == (-32602, "Unknown tool: nope_nothing")


def test_scoped_token_call_outside_its_scope_is_denied(served: Served) -> None:
    result = run(with_client(served.mcp_url, served.tokens["echo"], lambda c: c.call_tool("oth_ping", {})))
    assert result.is_error and result.content[0].text == "token scope denied: other"  # type: ignore[union-attr]
    up = run(
        with_client(served.mcp_url, served.tokens["echo"], lambda c: c.call_tool("up_add", {"a": 1, "b": 1}))
    )
    assert up.is_error and up.content[0].text == "token scope denied: up"  # type: ignore[union-attr]


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _mcp_error(use: Callable[[Client], Awaitable[Any]], served: Served) -> MCPError:
    """The SDK raises a JSON-RPC error from inside its task group."""
    with pytest.raises(BaseException) as caught:
        run(with_client(served.mcp_url, served.token, use))
    exc: BaseException = caught.value
    while isinstance(exc, BaseExceptionGroup):
        exc = exc.exceptions[0]
    assert isinstance(exc, MCPError)
    return exc
