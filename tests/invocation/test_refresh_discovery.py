"""Refresh of an ``mcp_oauth`` credential when the upstream's discovery is down: the token in hand
is used while it is valid, an expired one fails the call, and the failure is counted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import pytest

from engine.auth.oauth_clients import OAuthClients
from engine.compiler.injector import compile_injector
from engine.compiler.model import Connection
from engine.config.spec import ConnectionAuthSpec
from engine.crypto import Cipher
from engine.errors import McpOAuthDiscoveryFailed, RefreshFailed
from engine.invocation.refresh import Refresher
from engine.store import CredentialData, open_store

pytestmark = pytest.mark.anyio
AUTH = ConnectionAuthSpec(type="mcp_oauth")
CONNECTION = Connection("plugin", "user", AUTH, {}, compile_injector(AUTH))


class DiscoveryDown:
    async def client(self, integration: str, connection: Connection) -> Any:
        raise McpOAuthDiscoveryFailed("probe failed: ConnectError")


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
@pytest.mark.parametrize("expires_in", [60, -60])
async def test_discovery_failure_keeps_a_valid_token(
    anyio_backend: str, tmp_path: Path, expires_in: int
) -> None:
    store = open_store("sqlite", {}, Cipher(bytes(32)), tmp_path)
    await store.migrate()
    user = await store.find_or_create_user("r@example.com")
    expires = datetime.now(UTC) + timedelta(seconds=expires_in)
    data = CredentialData(
        user_id=user.id, integration="secure", access_token="at", refresh_token="rt", expires_at=expires
    )
    cred = await store.upsert_credential(data)
    refresher = Refresher(store, cast(OAuthClients, DiscoveryDown()))
    try:
        if expires_in > 0:
            assert (await refresher.fresh(cred, CONNECTION)).access_token == "at"
        else:
            with pytest.raises(RefreshFailed):
                await refresher.fresh(cred, CONNECTION)
        stored = await store.get_credential_by_id(cred.id)
        assert stored is not None and stored.refresh_error_count == 1
    finally:
        await store.close()
