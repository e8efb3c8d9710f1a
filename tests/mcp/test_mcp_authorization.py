"""An MCP host that is given only the URL of ``/mcp`` connects by itself: the official SDK
clients (Python here, TypeScript in ``test_mcp_authorization_ts.py``) with an OAuth provider and
no token run discovery, registration, sign-in, consent and the token exchange against a real
``gestaltd serve``, then call a tool; the token they got is an API token of its user, listed and
revocable, and refused at once after revocation on REST and on ``/mcp``."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from mcp.client import Client
from mcp.client.auth import OAuthClientProvider, TokenStorage
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import (
    AuthorizationCodeResult,
    OAuthClientInformationFull,
    OAuthClientMetadata,
    OAuthToken,
)

from tests.mcp.conftest import providers
from tests.support.configs import write_config
from tests.support.identity import bearer, local_auth
from tests.support.mcp_upstream import start_mcp_upstream
from tests.support.oauth_browser import OAuthBrowser
from tests.support.served import serve
from tests.support.ts_sdk import NodeHost
from tests.support.upstream import start_upstream

PASSWORD = "correct horse"
REDIRECT = "http://127.0.0.1:53682/callback"  # the host's loopback listener; never contacted


@dataclass
class Deployment:
    url: str

    @property
    def mcp_url(self) -> str:
        return self.url + "/mcp"


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    root: Path = tmp_path_factory.mktemp("mcp-oauth")
    rest, stop_rest = start_upstream()
    upstream, stop_mcp = start_mcp_upstream()
    config = write_config(root, providers(rest.url, upstream.url), local_auth(password=PASSWORD))
    url, stop = serve(config)
    try:
        yield Deployment(url)
    finally:
        stop()
        stop_mcp()
        stop_rest()


@pytest.fixture
def browser() -> Iterator[OAuthBrowser]:
    person = OAuthBrowser(PASSWORD)
    yield person
    person.close()


class MemoryStorage(TokenStorage):
    def __init__(self) -> None:
        self.tokens: OAuthToken | None = None
        self.client: OAuthClientInformationFull | None = None

    async def get_tokens(self) -> OAuthToken | None:
        return self.tokens

    async def set_tokens(self, tokens: OAuthToken) -> None:
        self.tokens = tokens

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        return self.client

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self.client = client_info


class Host:
    """What an MCP host does with the SDK's OAuth provider: open the URL in a browser (here, the
    scripted one) and wait for the redirect to its loopback listener."""

    def __init__(self, server_url: str, browser: OAuthBrowser) -> None:
        self.browser = browser
        self.storage = MemoryStorage()
        self.visits: list[Any] = []
        metadata = OAuthClientMetadata(
            client_name="Python SDK host",
            redirect_uris=[REDIRECT],  # type: ignore[list-item]
            grant_types=["authorization_code", "refresh_token"],
            token_endpoint_auth_method="none",
        )
        self.auth = OAuthClientProvider(
            server_url, metadata, self.storage, self._open_browser, self._callback
        )

    async def _open_browser(self, url: str) -> None:
        self.visits.append(await asyncio.to_thread(self.browser.authorize, url))

    async def _callback(self) -> AuthorizationCodeResult:
        query = self.visits[-1].query
        return AuthorizationCodeResult(code=query["code"], state=query.get("state"), iss=query.get("iss"))


async def _call(url: str, host: Host, tool: str, args: dict[str, Any]) -> Any:
    import httpx2

    async with (
        httpx2.AsyncClient(auth=host.auth, timeout=httpx2.Timeout(20.0)) as http,
        Client(streamable_http_client(url, http_client=http), cache=None) as client,
    ):
        return await client.call_tool(tool, args)


def test_the_python_sdk_connects_with_only_the_url(deployment: Deployment, browser: OAuthBrowser) -> None:
    host = Host(deployment.mcp_url, browser)
    result = asyncio.run(_call(deployment.mcp_url, host, "echo_search", {"q": "cats"}))
    assert not result.is_error
    assert result.structured_content["path"] == "/search"  # the REST upstream's echo
    (visit,) = host.visits
    pages = [p.request.url.path for p in visit.pages if p.status_code == 200]
    assert pages == ["/oauth/authorize", "/oauth/authorize"]  # sign-in, then consent
    assert "Python SDK host" in visit.pages[-2].text
    assert visit.query["iss"] == deployment.url
    token = host.storage.tokens
    assert token is not None and token.access_token.startswith("gst_api_") and token.refresh_token


def test_the_token_is_listed_revocable_and_refused_at_once(
    deployment: Deployment, browser: OAuthBrowser
) -> None:
    host = Host(deployment.mcp_url, browser)
    asyncio.run(_call(deployment.mcp_url, host, "echo_ping", {}))
    assert host.storage.tokens is not None
    access = host.storage.tokens.access_token
    listed = httpx.get(f"{deployment.url}/api/v1/tokens", headers=bearer(access)).json()
    mine = [t for t in listed if t.get("oauth_client", {}).get("name") == "Python SDK host"]
    assert mine and mine[-1]["name"] == "Python SDK host"
    assert httpx.get(f"{deployment.url}/api/v1/echo/ping", headers=bearer(access)).status_code == 200
    # The person revokes it from a page of the server, signed in as they were for the consent.
    session = browser.client.cookies.get("session_token") or ""
    page = {"Cookie": f"session_token={session}", "Origin": deployment.url}
    revoked = httpx.delete(f"{deployment.url}/api/v1/tokens/{mine[-1]['id']}", headers=page)
    assert revoked.status_code == 200, revoked.text
    refused = httpx.get(f"{deployment.url}/api/v1/echo/ping", headers=bearer(access))
    assert refused.status_code == 401
    assert 'error="invalid_token"' in refused.headers["www-authenticate"]
    on_mcp = httpx.post(
        deployment.mcp_url,
        headers={**bearer(access), "Accept": "application/json, text/event-stream"},
        json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
    )
    assert on_mcp.status_code == 401
    assert on_mcp.headers["www-authenticate"].startswith(
        f'Bearer resource_metadata="{deployment.url}/.well-known/oauth-protected-resource/mcp"'
    )


def test_the_typescript_sdk_connects_with_only_the_url(deployment: Deployment, browser: OAuthBrowser) -> None:
    host = NodeHost(deployment.mcp_url, "echo_search", json.dumps({"q": "dogs"}))
    try:
        asked = host.read()
        assert "authorize" in asked, asked
        visit = browser.authorize(asked["authorize"])
        assert "TypeScript SDK host" in visit.pages[-2].text
        host.send(visit.query)
        done = host.read()
    finally:
        host.close()
    assert "error" not in done, done["error"]
    assert done["result"]["isError"] is False
    assert json.loads(done["result"]["content"][0]["text"])["query"] == [["q", "dogs"], ["limit", "10"]]
    assert done["tokens"]["access_token"].startswith("gst_api_")
    assert done["tokens"]["token_type"] == "Bearer" and done["tokens"]["refresh_token"]
