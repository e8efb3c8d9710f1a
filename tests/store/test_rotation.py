"""Key rotation on every store: every secret rewritten under the write key in batches, the run
resumable after a batch limit or a failed batch, unreadable rows reported and left alone, and
every credential readable before, between and after the batches."""

from __future__ import annotations

import base64
import os
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from engine.crypto import Cipher
from engine.errors import StoreError
from engine.store import Credential, CredentialData, OAuthRegistration, Store
from engine.store.rotation import Limits, Rotation, describe, rotate_keys
from engine.store.sql_store import SQLStore

if TYPE_CHECKING:
    from conftest import StoreFactory

pytestmark = pytest.mark.anyio

OLD_KEY, NEW_KEY, LOST_KEY = bytes(range(32)), bytes(range(32, 64)), bytes(range(64, 96))
RING = Cipher(NEW_KEY, [OLD_KEY])
ROWS = 23
ONE_TIME_KEY = "login-state:0123abcd"


def legacy(plaintext: str) -> str:
    nonce = os.urandom(12)
    return base64.b64encode(nonce + AESGCM(OLD_KEY).encrypt(nonce, plaintext.encode(), None)).decode()


async def seed(stores: StoreFactory) -> tuple[list[Credential], list[OAuthRegistration]]:
    """ROWS credentials under the old key (a third in the format before the envelope, some without a
    refresh token) and two OAuth registrations (one public), all written before the key changed."""
    old = await stores.open(Cipher(OLD_KEY))
    user = await old.find_or_create_user("rotate@example.com")
    for i in range(ROWS):
        refresh = f"refresh-{i}" if i % 4 else ""
        data = CredentialData(user_id=user.id, integration="github", instance=f"i{i:02}",
                              access_token=f"access-{i}", refresh_token=refresh)  # fmt: skip
        saved = await old.upsert_credential(data)
        if i % 3 == 0:
            await raw_update(
                old, "integration_tokens", saved.id, access_token_encrypted=legacy(f"access-{i}")
            )
    registrations = [
        OAuthRegistration(
            auth_server="https://as", redirect_uri=f"https://r/{i}", client_id="c", client_secret=s
        )
        for i, s in enumerate(("client-secret", ""))
    ]
    for registration in registrations:
        await old.put_oauth_registration(registration)
    await old.put_one_time(ONE_TIME_KEY, "login-binding", datetime.now(UTC) + timedelta(hours=1))
    return await old.list_credentials(user.id), registrations


async def raw_update(store: Store, table: str, row_id: str, **columns: str) -> None:
    assert isinstance(store, SQLStore)
    assignments = ", ".join(f"{name} = %({name})s" for name in columns)
    await store._execute(f"UPDATE {table} SET {assignments} WHERE id = %(id)s", {**columns, "id": row_id})


async def stored_values(store: Store) -> list[str]:
    assert isinstance(store, SQLStore)
    rows = await store._fetch(
        "SELECT access_token_encrypted, refresh_token_encrypted FROM integration_tokens", {}
    )
    rows += await store._fetch("SELECT client_secret_encrypted FROM oauth_registrations", {})
    rows += await store._fetch("SELECT value_encrypted FROM one_time_values", {})
    return [value for row in rows for value in row.values()]


async def assert_all_readable(
    store: Store, credentials: list[Credential], registrations: list[OAuthRegistration]
) -> None:
    assert await store.list_credentials(credentials[0].user_id) == credentials  # versions untouched too
    for registration in registrations:
        assert (
            await store.get_oauth_registration(registration.auth_server, registration.redirect_uri)
            == registration
        )


def counts(rotation: Rotation) -> list[tuple[str, int, int, int]]:
    return [(t.table, t.rows, t.rewritten, t.remaining) for t in rotation.tables]


async def test_every_secret_ends_under_the_write_key(stores: StoreFactory) -> None:
    credentials, registrations = await seed(stores)
    ring = await stores.open(RING)
    rotation = await rotate_keys(ring, Limits(batch_size=7))
    assert counts(rotation) == [
        ("integration_tokens", ROWS, ROWS, 0), ("oauth_registrations", 2, 1, 0), ("one_time_values", 1, 1, 0)
    ]  # fmt: skip
    assert rotation.complete and rotation.batches == 6  # 4 + 1 + 1
    values = await stored_values(ring)
    assert all(v == "" or v.startswith(RING.write_header) for v in values) and values.count("") == 7
    await assert_all_readable(await stores.open(Cipher(NEW_KEY)), credentials, registrations)
    again = await rotate_keys(ring, Limits(batch_size=7))
    assert counts(again) == [
        ("integration_tokens", ROWS, 0, 0), ("oauth_registrations", 2, 0, 0), ("one_time_values", 1, 0, 0)
    ]  # fmt: skip
    assert again.batches == 0 and describe(again)[-1].startswith(
        f"done: every stored secret is under key {RING.write_key_id}"
    )


async def test_a_stopped_run_continues_where_it_ended(stores: StoreFactory) -> None:
    credentials, registrations = await seed(stores)
    ring = await stores.open(RING)
    first = await rotate_keys(ring, Limits(batch_size=5, max_batches=2))
    assert first.stopped_early and not first.complete
    assert counts(first)[0] == ("integration_tokens", ROWS, 10, ROWS - 10)
    assert describe(first)[-1] == "stopped at the batch limit: run rotate-key again to continue"
    await assert_all_readable(ring, credentials, registrations)  # half old key, half new: all readable
    second = await rotate_keys(ring, Limits(batch_size=5))
    assert counts(second)[1:] == [("oauth_registrations", 2, 1, 0), ("one_time_values", 1, 1, 0)]
    assert counts(second)[0] == ("integration_tokens", ROWS, ROWS - 10, 0)
    new = await stores.open(Cipher(NEW_KEY))
    await assert_all_readable(new, credentials, registrations)
    assert await new.take_one_time(ONE_TIME_KEY) == "login-binding"


FAIL_ON_UPDATE = {
    "sqlite": [
        "CREATE TRIGGER fail_rotation BEFORE UPDATE ON integration_tokens WHEN OLD.instance = '{instance}' "
        "BEGIN SELECT RAISE(ABORT, 'injected failure'); END"
    ],
    "postgres": [
        "CREATE FUNCTION fail_rotation() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'injected failure'; END $$",
        "CREATE TRIGGER fail_rotation BEFORE UPDATE ON integration_tokens FOR EACH ROW "
        "WHEN (OLD.instance = '{instance}') EXECUTE FUNCTION fail_rotation()",
    ],
}
DROP = {
    "sqlite": ["DROP TRIGGER fail_rotation"],
    "postgres": ["DROP TRIGGER fail_rotation ON integration_tokens"],
}


async def test_a_failed_batch_changes_nothing_and_the_next_run_completes(stores: StoreFactory) -> None:
    credentials, registrations = await seed(stores)
    ring = await stores.open(RING)
    sql = ring
    assert isinstance(sql, SQLStore)
    by_id = await sql._fetch("SELECT id, instance FROM integration_tokens ORDER BY id", {})
    poisoned = str(by_id[12]["instance"])  # in the third batch of five
    for statement in FAIL_ON_UPDATE[stores.provider]:
        await sql._execute(statement.format(instance=poisoned), {})
    with pytest.raises(StoreError):
        await rotate_keys(ring, Limits(batch_size=5))
    rows = await sql._fetch("SELECT id, access_token_encrypted FROM integration_tokens ORDER BY id", {})
    rotated = [str(r["access_token_encrypted"]).startswith(RING.write_header) for r in rows]
    assert all(rotated[:10])  # the two batches before the failure were committed
    assert not any(rotated[10:])  # the failing batch rolled back whole, not only the poisoned row
    await assert_all_readable(ring, credentials, registrations)
    for statement in DROP[stores.provider]:
        await sql._execute(statement, {})
    finished = await rotate_keys(ring, Limits(batch_size=5))
    assert finished.complete and counts(finished)[0][3] == 0
    await assert_all_readable(await stores.open(Cipher(NEW_KEY)), credentials, registrations)


async def test_unreadable_rows_are_reported_and_left_alone(stores: StoreFactory) -> None:
    credentials, _ = await seed(stores)
    lost = Cipher(LOST_KEY).encrypt("written under a key nobody kept", bound_to=("x",))
    await raw_update(
        await stores.open(), "integration_tokens", credentials[5].id, access_token_encrypted=lost
    )
    ring = await stores.open(RING)
    rotation = await rotate_keys(ring, Limits(batch_size=4))
    table = rotation.tables[0]
    assert (table.rewritten, table.unreadable, table.remaining) == (ROWS - 1, [credentials[5].id], 1)
    assert not rotation.complete
    assert f"1 unreadable under every configured key: {credentials[5].id}" in describe(rotation)[1]
    assert describe(rotation)[-1].startswith("not done")
    assert lost in await stored_values(ring)


async def test_only_a_sql_store_rotates() -> None:
    with pytest.raises(StoreError, match="cannot rotate keys"):
        await rotate_keys(object())  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Limits(batch_size=0)
