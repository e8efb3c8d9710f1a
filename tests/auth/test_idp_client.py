"""The OpenID provider client sends through the engine's client, address guard included."""

from __future__ import annotations

import asyncio

import pytest

from engine.auth.idp_client import IdpClient, IdpError
from engine.egress.client import default_client
from tests.support.oidc_provider import OpenIDProvider


def test_discovery_and_jwks_come_through_the_engine_client(idp: OpenIDProvider) -> None:
    async def run() -> tuple[str, list[object]]:
        http = default_client()
        client = IdpClient(idp.url, http)
        try:
            return (await client.discovery()).token_endpoint, (await client.jwks())["keys"]
        finally:
            await http.close()

    token_endpoint, keys = asyncio.run(run())
    assert token_endpoint.startswith(idp.url) and keys


def test_a_provider_at_a_metadata_address_is_refused() -> None:
    async def run() -> None:
        http = default_client()
        try:
            await IdpClient("http://169.254.169.254", http).discovery()
        finally:
            await http.close()

    with pytest.raises(IdpError, match="^EgressDenied$"):
        asyncio.run(run())
