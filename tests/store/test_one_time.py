"""Store conformance for one-time values (login state bindings, login codes), on every store."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from engine.crypto import Cipher
from engine.store import Store
from engine.store.sql_store import SQLStore
from tests.store.conftest import StoreFactory

pytestmark = pytest.mark.anyio

SECRET = "pkce-verifier-PLAINTEXT"


def later(seconds: int = 600) -> datetime:
    return datetime.now(UTC) + timedelta(seconds=seconds)


async def test_a_value_is_taken_once(store: Store) -> None:
    await store.put_one_time("k", SECRET, later())
    assert await store.take_one_time("k") == SECRET
    assert await store.take_one_time("k") is None
    assert await store.take_one_time("never-put") is None


async def test_put_replaces_and_expired_values_are_gone(store: Store) -> None:
    await store.put_one_time("k", "first", later())
    await store.put_one_time("k", "second", later())
    assert await store.take_one_time("k") == "second"
    await store.put_one_time("old", "stale", later(-5))
    assert await store.take_one_time("old") is None


async def test_exactly_one_replica_takes_a_value(stores: StoreFactory) -> None:
    one, two = await stores.open(), await stores.open()
    await one.put_one_time("k", SECRET, later())
    taken = await asyncio.gather(*[s.take_one_time("k") for s in (one, two, one, two)])
    assert sorted(taken, key=str) == [None, None, None, SECRET]


async def test_values_are_stored_encrypted(store: Store) -> None:
    assert isinstance(store, SQLStore)
    await store.put_one_time("k", SECRET, later())
    rows = await store._fetch("SELECT value_encrypted FROM one_time_values", {})
    assert SECRET not in rows[0]["value_encrypted"]
    binding = ("one_time_values", "value_encrypted", "k")
    assert Cipher(bytes(range(32))).decrypt(rows[0]["value_encrypted"], bound_to=binding) == SECRET
