"""The Store protocol's conformance suite, run against every implementation (see conftest)."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest

from engine.crypto import Cipher, hash_token, new_token
from engine.errors import DecryptionError, StoreError
from engine.store import IDENTITY_USER_ID, Credential, CredentialData, Store, User
from engine.store.secret_columns import CREDENTIALS
from engine.store.sql_store import SQLStore

if TYPE_CHECKING:
    from conftest import StoreFactory

pytestmark = pytest.mark.anyio

HOUR = timedelta(hours=1)


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def cred_data(user: User, integration: str = "github", **changes: object) -> CredentialData:
    base = CredentialData(
        user_id=user.id,
        integration=integration,
        connection="",
        instance="default",
        access_token="access-plain-1",
        refresh_token="refresh-plain-1",
        scopes="repo read:org",
        expires_at=now() + HOUR,
        last_refreshed_at=None,
        metadata={"team": "core", "n": 3},
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def assert_utc_seconds(moment: datetime | None) -> None:
    assert moment is not None
    assert moment.utcoffset() == timedelta(0)
    assert moment.microsecond == 0


# ---- lifecycle ----


async def test_migrate_is_idempotent_and_ping_answers(store: Store) -> None:
    await store.migrate()
    await store.migrate()
    await store.ping()


# ---- users ----


async def test_find_or_create_user_returns_the_same_user(store: Store) -> None:
    first = await store.find_or_create_user("ada@example.com", "Ada")
    again = await store.find_or_create_user("ada@example.com", "Other name")
    assert again == first
    assert first.display_name == "Ada"
    assert await store.get_user(first.id) == first
    assert await store.get_user("no-such-id") is None
    assert_utc_seconds(first.created_at)


async def test_concurrent_find_or_create_converges_on_one_row(stores: StoreFactory) -> None:
    one, two = await stores.open(), await stores.open()
    calls = [s.find_or_create_user("race@example.com") for s in (one, two) for _ in range(4)]
    users = await asyncio.gather(*calls)
    assert len({u.id for u in users}) == 1


async def test_identity_user_exists_and_holds_credentials(store: Store) -> None:
    identity = await store.get_user(IDENTITY_USER_ID)
    assert identity is not None
    saved = await store.upsert_credential(cred_data(identity))
    assert saved.user_id == IDENTITY_USER_ID
    with pytest.raises(StoreError):
        await store.find_or_create_user(IDENTITY_USER_ID)


# ---- sessions ----


async def test_session_round_trip_expiry_and_revocation(store: Store) -> None:
    user = await store.find_or_create_user("s@example.com")
    expires = datetime.now(UTC) + HOUR  # microseconds are dropped by the store
    created = await store.create_session(user.id, "hash-live", expires)
    assert created.expires_at == expires.replace(microsecond=0)
    assert await store.get_session("hash-live") == created
    await store.create_session(user.id, "hash-old", now() - timedelta(seconds=1))
    assert await store.get_session("hash-old") is None
    assert await store.delete_session("hash-live") is True
    assert await store.delete_session("hash-live") is False
    assert await store.get_session("hash-live") is None


async def test_naive_timestamps_are_rejected(store: Store) -> None:
    user = await store.find_or_create_user("naive@example.com")
    with pytest.raises(ValueError):
        await store.create_session(user.id, "h", datetime.now() + HOUR)


# ---- API tokens ----


async def test_api_token_round_trip_and_expiry(store: Store) -> None:
    user = await store.find_or_create_user("t@example.com")
    plaintext = new_token()
    live = await store.create_api_token(
        user.id, "cli", hash_token(plaintext), ("github", "slack"), now() + HOUR
    )
    forever = await store.create_api_token(user.id, "ci", hash_token(new_token()), (), None)
    expired = await store.create_api_token(user.id, "old", "old-hash", ("x",), now() - HOUR)
    assert live.scopes == ("github", "slack")
    assert_utc_seconds(live.expires_at)
    assert await store.get_api_token_by_hash(hash_token(plaintext)) == live
    assert await store.get_api_token_by_hash(forever.token_hash) == forever
    assert await store.get_api_token_by_hash("old-hash") is None
    assert await store.get_api_token_by_hash("unknown") is None
    listed = await store.list_api_tokens(user.id)
    assert {t.id for t in listed} == {live.id, forever.id, expired.id}  # expired ones are listed


async def test_api_token_hash_is_unique(store: Store) -> None:
    user = await store.find_or_create_user("dup@example.com")
    await store.create_api_token(user.id, "a", "same-hash", (), None)
    with pytest.raises(StoreError):
        await store.create_api_token(user.id, "b", "same-hash", (), None)


async def test_api_token_needs_an_existing_user(store: Store) -> None:
    with pytest.raises(StoreError):
        await store.create_api_token("ghost", "a", "ghost-hash", (), None)


async def test_api_tokens_are_isolated_per_user(store: Store) -> None:
    alice = await store.find_or_create_user("alice@example.com")
    bob = await store.find_or_create_user("bob@example.com")
    a1 = await store.create_api_token(alice.id, "a1", "ha1", (), None)
    await store.create_api_token(alice.id, "a2", "ha2", (), None)
    b1 = await store.create_api_token(bob.id, "b1", "hb1", (), None)
    assert [t.id for t in await store.list_api_tokens(bob.id)] == [b1.id]
    assert await store.delete_api_token(bob.id, a1.id) is False
    assert await store.get_api_token_by_hash("ha1") == a1
    assert await store.delete_all_api_tokens(bob.id) == 1
    assert len(await store.list_api_tokens(alice.id)) == 2
    assert await store.delete_api_token(alice.id, a1.id) is True
    assert await store.delete_all_api_tokens(alice.id) == 1
    assert await store.delete_all_api_tokens(alice.id) == 0


# ---- integration credentials ----


async def test_credential_round_trip(store: Store) -> None:
    user = await store.find_or_create_user("c@example.com")
    data = cred_data(user, last_refreshed_at=now())
    saved = await store.upsert_credential(data)
    supplied = {f.name: getattr(saved, f.name) for f in dataclasses.fields(CredentialData)}
    assert CredentialData(**supplied) == data
    assert saved.version == 1 and saved.refresh_error_count == 0
    assert await store.get_credential(user.id, "github", "", "default") == saved
    assert await store.get_credential_by_id(saved.id) == saved
    assert await store.get_credential(user.id, "github", "", "other") is None
    empty = await store.upsert_credential(cred_data(user, "slack", refresh_token="", metadata={}))
    assert (empty.refresh_token, empty.metadata, empty.expires_at is not None) == ("", {}, True)


async def test_credentials_are_stored_encrypted(store: Store) -> None:
    assert isinstance(store, SQLStore)
    user = await store.find_or_create_user("enc@example.com")
    saved = await store.upsert_credential(cred_data(user))
    rows = await store._fetch(  # the raw column is the point here
        "SELECT access_token_encrypted, refresh_token_encrypted FROM integration_tokens WHERE id = %(id)s",
        {"id": saved.id},
    )
    access, refresh = rows[0]["access_token_encrypted"], rows[0]["refresh_token_encrypted"]
    assert "access-plain-1" not in access and "refresh-plain-1" not in refresh
    cipher = Cipher(bytes(range(32)))  # conftest.TEST_KEY
    row = {"user_id": user.id, "integration": "github", "connection": "", "instance": "default"}
    access_column, refresh_column = CREDENTIALS.columns
    assert cipher.decrypt(access, bound_to=CREDENTIALS.binding(access_column, row)) == "access-plain-1"
    assert cipher.decrypt(refresh, bound_to=CREDENTIALS.binding(refresh_column, row)) == "refresh-plain-1"


async def test_a_different_key_cannot_read_credentials(stores: StoreFactory) -> None:
    store = await stores.open()
    user = await store.find_or_create_user("key@example.com")
    await store.upsert_credential(cred_data(user))
    other = await stores.open(Cipher(bytes(32)))
    with pytest.raises(DecryptionError):
        await other.get_credential(user.id, "github", "", "default")


async def test_upsert_replaces_on_the_unique_key(store: Store) -> None:
    user = await store.find_or_create_user("u@example.com")
    first = await store.upsert_credential(cred_data(user))
    await store.record_refresh_error(first.id)
    second = await store.upsert_credential(
        cred_data(user, access_token="access-2", refresh_token="", scopes="", expires_at=None, metadata={})
    )
    assert (second.id, second.created_at) == (first.id, first.created_at)
    assert second.version == first.version + 1
    assert (second.access_token, second.refresh_token, second.scopes) == ("access-2", "", "")
    assert (second.expires_at, second.metadata, second.refresh_error_count) == (None, {}, 0)
    other_instance = await store.upsert_credential(cred_data(user, instance="work"))
    other_connection = await store.upsert_credential(cred_data(user, connection="bot"))
    assert len({first.id, other_instance.id, other_connection.id}) == 3
    assert len(await store.list_credentials(user.id)) == 3


async def test_list_credentials_filters_and_orders(store: Store) -> None:
    user = await store.find_or_create_user("l@example.com")
    for integration, connection, instance in [
        ("slack", "", "default"),
        ("github", "bot", "b"),
        ("github", "", "z"),
        ("github", "", "a"),
    ]:
        await store.upsert_credential(cred_data(user, integration, connection=connection, instance=instance))
    keys = [(c.integration, c.connection, c.instance) for c in await store.list_credentials(user.id)]
    assert keys == [
        ("github", "", "a"),
        ("github", "", "z"),
        ("github", "bot", "b"),
        ("slack", "", "default"),
    ]
    github = await store.list_credentials(user.id, integration="github")
    assert len(github) == 3
    plain = await store.list_credentials(user.id, integration="github", connection="")
    assert [c.instance for c in plain] == ["a", "z"]


async def test_credentials_are_isolated_per_user(store: Store) -> None:
    alice = await store.find_or_create_user("alice@example.com")
    bob = await store.find_or_create_user("bob@example.com")
    secret = await store.upsert_credential(cred_data(alice))
    assert await store.list_credentials(bob.id) == []
    assert await store.get_credential(bob.id, "github", "", "default") is None
    assert await store.delete_credential(bob.id, secret.id) is False
    assert await store.get_credential_by_id(secret.id) == secret
    assert await store.delete_credential(alice.id, secret.id) is True
    assert await store.get_credential_by_id(secret.id) is None


# ---- refresh: compare-and-swap and error counting ----


async def test_compare_and_swap_requires_the_current_version(store: Store) -> None:
    user = await store.find_or_create_user("cas@example.com")
    saved = await store.upsert_credential(cred_data(user))
    await store.record_refresh_error(saved.id)
    errored = await store.get_credential_by_id(saved.id)
    assert errored is not None
    assert (errored.refresh_error_count, errored.version) == (1, saved.version)
    refreshed = cred_data(user, access_token="access-2", refresh_token="refresh-2", last_refreshed_at=now())
    assert await store.compare_and_swap_credential(saved.id, saved.version + 1, refreshed) is False
    assert await store.compare_and_swap_credential(saved.id, saved.version, refreshed) is True
    assert await store.compare_and_swap_credential(saved.id, saved.version, refreshed) is False
    after = await store.get_credential_by_id(saved.id)
    assert after is not None
    assert (after.access_token, after.refresh_token, after.version) == ("access-2", "refresh-2", 2)
    assert (after.refresh_error_count, after.last_refreshed_at) == (0, refreshed.last_refreshed_at)
    assert await store.compare_and_swap_credential("missing", 1, refreshed) is False


async def test_concurrent_swaps_on_one_version_have_exactly_one_winner(stores: StoreFactory) -> None:
    replicas = [await stores.open() for _ in range(3)]
    user = await replicas[0].find_or_create_user("race@example.com")
    current: Credential = await replicas[0].upsert_credential(cred_data(user))
    for round_ in range(5):
        contenders = [cred_data(user, access_token=f"access-{round_}-{i}") for i in range(2 * len(replicas))]
        results = await asyncio.gather(
            *[
                replicas[i % len(replicas)].compare_and_swap_credential(current.id, current.version, new)
                for i, new in enumerate(contenders)
            ]
        )
        assert results.count(True) == 1
        winner = contenders[results.index(True)]
        stored = await replicas[1].get_credential_by_id(current.id)
        assert stored is not None
        assert (stored.access_token, stored.version) == (winner.access_token, current.version + 1)
        current = stored


# ---- durability ----


async def test_everything_survives_close_and_reopen(stores: StoreFactory) -> None:
    store = await stores.open()
    user = await store.find_or_create_user("durable@example.com", "Dee")
    session = await store.create_session(user.id, "session-hash", now() + HOUR)
    token = await store.create_api_token(user.id, "cli", "token-hash", ("github",), now() + HOUR)
    cred = await store.upsert_credential(cred_data(user))
    identity_cred = await store.upsert_credential(cred_data(await _identity(store), "shared"))
    await store.close()

    reopened = await stores.open()
    assert await reopened.get_user(user.id) == user
    assert await reopened.get_session("session-hash") == session
    assert await reopened.get_api_token_by_hash("token-hash") == token
    assert await reopened.list_api_tokens(user.id) == [token]
    assert await reopened.list_credentials(user.id) == [cred]
    assert await reopened.get_credential_by_id(identity_cred.id) == identity_cred


async def _identity(store: Store) -> User:
    identity = await store.get_user(IDENTITY_USER_ID)
    assert identity is not None
    return identity


# ---- single use ----


async def test_use_once_admits_a_key_once_across_replicas(stores: StoreFactory) -> None:
    one, two = await stores.open(), await stores.open()
    expires = now() + HOUR
    results = await asyncio.gather(*[s.use_once("state-digest", expires) for s in (one, two, one, two)])
    assert results.count(True) == 1
    assert await one.use_once("other-digest", expires) is True


async def test_use_once_forgets_expired_markers(store: Store) -> None:
    assert await store.use_once("old", now() - timedelta(seconds=5)) is True
    assert await store.use_once("fresh", now() + HOUR) is True  # purges "old"
    assert await store.use_once("old", now() + HOUR) is True
    assert await store.use_once("fresh", now() + HOUR) is False
