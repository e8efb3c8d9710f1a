"""MCP authorization discovery against scripted loopback servers: the well-known fallbacks, the
auth method preference, and failures that name the step without leaking response bodies."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from engine.egress.client import GatewayClient, default_client
from engine.egress.mcp_oauth import AuthServer, discover, register
from engine.errors import McpOAuthDiscoveryFailed
from tests.support.upstream import Upstream

pytestmark = pytest.mark.anyio


@pytest.fixture
async def http(anyio_backend: str) -> AsyncIterator[GatewayClient]:
    """The engine's client, its connections closed on the test's own event loop."""
    client = default_client()
    yield client
    await client.close()


def as_metadata(url: str, **extra: Any) -> dict[str, Any]:
    return {
        "issuer": url,
        "authorization_endpoint": url + "/authorize",
        "token_endpoint": url + "/token",
        "registration_endpoint": url + "/register",
        "scopes_supported": ["read", "write"],
        **extra,
    }


async def test_without_a_challenge_the_well_known_resource_metadata_is_used(
    anyio_backend: str, upstream: Upstream, http: GatewayClient
) -> None:
    upstream.reply("/mcp", status=401, body={"error": "unauthorized"})
    prm = {"resource": upstream.url + "/mcp", "authorization_servers": [upstream.url + "/tenant"]}
    upstream.reply("/.well-known/oauth-protected-resource/mcp", body=prm)
    upstream.reply("/.well-known/oauth-authorization-server/tenant", body=as_metadata(upstream.url))
    server = await discover(http, upstream.url + "/mcp")
    assert (server.resource, server.token_endpoint) == (upstream.url + "/mcp", upstream.url + "/token")
    assert server.scopes == ("read", "write") and server.pkce  # no methods advertised: PKCE anyway
    assert server.auth_method == "none"


async def test_legacy_servers_without_resource_metadata_use_the_mcp_origin(
    anyio_backend: str, upstream: Upstream, http: GatewayClient
) -> None:
    upstream.reply("/mcp", status=401, body={})
    for path in ("/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-protected-resource"):
        upstream.reply(path, status=404, body={})
    metadata = as_metadata(upstream.url, code_challenge_methods_supported=["plain"])
    upstream.reply("/.well-known/oauth-authorization-server", body=metadata)
    server = await discover(http, upstream.url + "/mcp")
    assert server.authorization_endpoint == upstream.url + "/authorize" and not server.pkce


def test_auth_method_preference() -> None:
    def method(*advertised: str) -> str:
        return AuthServer("i", "a", "t", "r", "res", (), True, advertised).auth_method

    assert method("client_secret_basic", "client_secret_post", "none") == "none"
    assert method("client_secret_basic", "client_secret_post") == "client_secret_post"
    assert method("private_key_jwt", "client_secret_basic") == "client_secret_basic"
    assert method("private_key_jwt") == "private_key_jwt"


async def test_failures_name_the_step_only(
    anyio_backend: str, upstream: Upstream, http: GatewayClient
) -> None:
    upstream.reply("/mcp", status=401, body={})
    for path in ("/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-protected-resource"):
        upstream.reply(path, status=404, body={})
    upstream.reply("/.well-known/oauth-authorization-server", status=500, body={"secret": "s3cr3t"})
    with pytest.raises(McpOAuthDiscoveryFailed) as caught:
        await discover(http, upstream.url + "/mcp")
    assert str(caught.value) == "no authorization server metadata found"
    upstream.reply("/register", status=400, body={"error": "s3cr3t-echo"})
    server = AuthServer("i", "a", "t", upstream.url + "/register", "res", (), True, ())
    with pytest.raises(McpOAuthDiscoveryFailed) as failed:
        await register(http, server, "https://gestalt.example.com/api/v1/auth/callback")
    assert "s3cr3t" not in str(failed.value) and str(failed.value).startswith("registration failed")
