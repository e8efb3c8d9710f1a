"""Store conformance for gestaltd's own authorization server: registered clients and the grants
(API tokens with a rotating refresh token), on every store."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from engine.store import OAuthClient, OAuthGrant, Store
from tests.store.conftest import StoreFactory

pytestmark = pytest.mark.anyio

HOUR = timedelta(hours=1)


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def grant(refresh_hash: str = "r1", refresh_expires_at: datetime | None = None) -> OAuthGrant:
    return OAuthGrant(
        client_id="client-1",
        client_name="Claude",
        resource="https://gw.example/mcp",
        refresh_hash=refresh_hash,
        refresh_expires_at=refresh_expires_at or now() + 24 * HOUR,
    )


async def test_a_client_round_trips_and_ids_are_unique(store: Store) -> None:
    client = OAuthClient(
        client_id="c1",
        client_name="Inspector",
        secret_hash="",
        metadata={"redirect_uris": ["http://127.0.0.1:9/cb"], "token_endpoint_auth_method": "none"},
        created_at=now(),
    )
    await store.put_oauth_client(client)
    assert await store.get_oauth_client("c1") == client
    assert await store.get_oauth_client("c2") is None
    with pytest.raises(Exception):  # noqa: B017 - the driver's integrity error, as StoreError
        await store.put_oauth_client(client)


async def test_a_grant_is_an_api_token_with_its_client(store: Store) -> None:
    user = await store.find_or_create_user("g@example.com")
    token = await store.create_api_token(user.id, "Claude", "access-1", ("echo",), now() + HOUR, grant())
    assert (token.client_id, token.client_name, token.resource) == (
        "client-1",
        "Claude",
        "https://gw.example/mcp",
    )
    assert token.refresh_expires_at is not None
    assert await store.get_api_token_by_hash("access-1") == token
    assert await store.get_api_token_by_refresh_hash("r1") == token
    assert [t.id for t in await store.list_api_tokens(user.id)] == [token.id]
    plain = await store.create_api_token(user.id, "ci", "access-2", (), None)
    assert (plain.client_id, plain.refresh_expires_at) == ("", None)


async def test_rotation_replaces_both_tokens_once(store: Store) -> None:
    user = await store.find_or_create_user("rot@example.com")
    token = await store.create_api_token(user.id, "c", "access-1", (), now() + HOUR, grant())
    rotate: dict[str, Any] = {
        "token_hash": "access-2",
        "expires_at": now() + HOUR,
        "refresh_expires_at": now() + HOUR,
    }
    assert await store.rotate_grant(token.id, "r1", new_refresh_hash="r2", **rotate)
    assert not await store.rotate_grant(token.id, "r1", new_refresh_hash="r3", **rotate)
    assert await store.get_api_token_by_hash("access-1") is None
    assert (await store.get_api_token_by_hash("access-2")) is not None
    assert await store.get_api_token_by_refresh_hash("r1") is None
    rotated = await store.get_api_token_by_refresh_hash("r2")
    assert rotated is not None and rotated.id == token.id


async def test_a_replayed_refresh_token_revokes_the_grant(store: Store) -> None:
    user = await store.find_or_create_user("replay@example.com")
    token = await store.create_api_token(user.id, "c", "access-1", (), now() + HOUR, grant())
    rotate: dict[str, Any] = {
        "token_hash": "access-2",
        "expires_at": now() + HOUR,
        "refresh_expires_at": now() + HOUR,
    }
    assert await store.rotate_grant(token.id, "r1", new_refresh_hash="r2", **rotate)
    assert await store.revoke_replayed_grant("never-issued") == ""
    assert await store.revoke_replayed_grant("r1") == user.id
    assert await store.get_api_token_by_hash("access-2") is None
    assert await store.get_api_token_by_refresh_hash("r2") is None


async def test_an_expired_refresh_token_is_not_found(store: Store) -> None:
    user = await store.find_or_create_user("old@example.com")
    await store.create_api_token(user.id, "c", "access-1", (), now() + HOUR, grant("r-old", now() - HOUR))
    assert await store.get_api_token_by_refresh_hash("r-old") is None


async def test_exactly_one_replica_rotates_a_refresh_token(stores: StoreFactory) -> None:
    one, two = await stores.open(), await stores.open()
    user = await one.find_or_create_user("race@example.com")
    token = await one.create_api_token(user.id, "c", "access-1", (), now() + HOUR, grant())

    async def rotate(store: Store, suffix: str) -> bool:
        return await store.rotate_grant(
            token.id,
            "r1",
            token_hash=f"access-{suffix}",
            expires_at=now() + HOUR,
            new_refresh_hash=f"r-{suffix}",
            refresh_expires_at=now() + HOUR,
        )

    results = await asyncio.gather(*(rotate(s, f"{i}") for i, s in enumerate([one, two, one, two])))
    assert sorted(results) == [False, False, False, True]
