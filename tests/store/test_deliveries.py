"""Store conformance for webhook delivery claims (de-duplication), on every store."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from engine.store import Store
from tests.store.conftest import StoreFactory

pytestmark = pytest.mark.anyio


def later(seconds: int = 600) -> datetime:
    return datetime.now(UTC) + timedelta(seconds=seconds)


async def test_a_delivery_is_claimed_once_per_binding(store: Store) -> None:
    assert await store.claim_delivery("hook", "d-1", later())
    assert not await store.claim_delivery("hook", "d-1", later())
    assert await store.claim_delivery("other", "d-1", later())  # ids are per binding
    assert await store.claim_delivery("hook", "d-2", later())


async def test_a_released_claim_can_be_claimed_again(store: Store) -> None:
    assert await store.claim_delivery("hook", "d-1", later())
    await store.release_delivery("hook", "d-1")
    assert await store.claim_delivery("hook", "d-1", later())


async def test_an_expired_claim_no_longer_counts(store: Store) -> None:
    assert await store.claim_delivery("hook", "old", later(-5))
    assert await store.claim_delivery("hook", "old", later())


async def test_exactly_one_replica_claims_a_delivery(stores: StoreFactory) -> None:
    one, two = await stores.open(), await stores.open()
    claims = await asyncio.gather(*[s.claim_delivery("hook", "d", later()) for s in (one, two, one, two)])
    assert sorted(claims) == [False, False, False, True]


async def test_a_claim_outlives_the_store_that_made_it(stores: StoreFactory) -> None:
    first = await stores.open()
    assert await first.claim_delivery("hook", "d", later())
    await first.close()
    stores.opened.remove(first)
    assert not await (await stores.open()).claim_delivery("hook", "d", later())
