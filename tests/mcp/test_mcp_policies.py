"""Authorization over ``/mcp``, with the official SDK client against a real ``gestaltd serve`` and
the README's policy: ``tools/list`` shows only what the caller may invoke; a call outside its
roles is an ``isError`` result and the upstream receives nothing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from mcp.client import Client

from tests.invocation.test_authorization_rest import readme_policy, tickets
from tests.mcp.conftest import run, with_client
from tests.support.configs import write_config
from tests.support.identity import local_auth
from tests.support.served import serve
from tests.support.upstream import Upstream, start_upstream

Served = tuple[str, str, Upstream]  # base URL, API token, upstream


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    rest, stop_rest = start_upstream()
    extra = {**local_auth("me@example.com"), "authorization": readme_policy()}
    config = write_config(tmp_path_factory.mktemp("authz"), {"tickets": tickets(rest.url)}, extra)
    url, stop = serve(config)
    try:
        with httpx.Client(base_url=url, headers={"Origin": url}) as client:
            assert client.post("/api/v1/auth/login", json={"state": "s"}).status_code == 200
            token = client.post("/api/v1/tokens", json={"name": "t"}).json()["token"]
        yield url, token, rest
    finally:
        stop()
        stop_rest()


def test_tools_list_shows_only_what_the_caller_may_invoke(served: Served) -> None:
    url, token, _ = served

    async def names(c: Client) -> list[str]:
        return [t.name for t in (await c.list_tools()).tools]

    assert run(with_client(f"{url}/mcp", token, names)) == ["tickets_list_tickets"]


def test_a_call_outside_the_roles_is_an_error_result_and_reaches_nothing(served: Served) -> None:
    url, token, upstream = served
    upstream.requests.clear()

    async def call(c: Client) -> Any:
        return await c.call_tool("tickets_create_ticket", {"title": "x"})

    result = run(with_client(f"{url}/mcp", token, call))
    assert result.is_error is True
    assert [c.text for c in result.content] == ["not authorized: tickets.create_ticket"]
    assert upstream.requests == []

    async def allowed(c: Client) -> Any:
        return await c.call_tool("tickets_list_tickets", {})

    assert run(with_client(f"{url}/mcp", token, allowed)).is_error is False
    assert [r.path for r in upstream.requests] == ["/tickets"]
