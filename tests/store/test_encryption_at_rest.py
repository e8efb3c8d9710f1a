"""Encryption at rest on every store: envelopes under the write key, rows written before the envelope
still read, a value copied to another row refused, and several keys read at once."""

from __future__ import annotations

import base64
import os
from typing import TYPE_CHECKING, Any

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from engine.crypto import Cipher
from engine.errors import MisboundCiphertext, UnknownEncryptionKey
from engine.store import CredentialData, OAuthRegistration, Store
from engine.store.sql_store import SQLStore

if TYPE_CHECKING:
    from conftest import StoreFactory

pytestmark = pytest.mark.anyio

OLD_KEY, NEW_KEY = bytes(range(32)), bytes(range(32, 64))  # OLD_KEY is conftest.TEST_KEY
ACCESS, REFRESH, SECRET = "access_token_encrypted", "refresh_token_encrypted", "client_secret_encrypted"


def legacy(key: bytes, plaintext: str) -> str:
    """A value as stored before the envelope existed (and as the reference stores it)."""
    nonce = os.urandom(12)
    return base64.b64encode(nonce + AESGCM(key).encrypt(nonce, plaintext.encode(), None)).decode()


def cred(user_id: str, instance: str = "default", token: str = "tok") -> CredentialData:
    return CredentialData(
        user_id=user_id,
        integration="github",
        instance=instance,
        access_token=token,
        refresh_token=f"r-{token}",
    )


def registration(redirect: str = "https://r", secret: str = "s") -> OAuthRegistration:
    return OAuthRegistration(auth_server="https://a", redirect_uri=redirect, client_id="c",
                             client_secret=secret)  # fmt: skip


# The raw columns are the point here: these reach past the Store protocol into the SQL.


async def column(store: Store, table: str, name: str, row_id: str) -> Any:
    assert isinstance(store, SQLStore)
    rows = await store._fetch(f"SELECT {name} FROM {table} WHERE id = %(id)s", {"id": row_id})
    return rows[0][name]


async def set_column(store: Store, table: str, name: str, value: Any, row_id: str | None = None) -> None:
    assert isinstance(store, SQLStore)
    where = " WHERE id = %(id)s" if row_id else ""
    await store._execute(f"UPDATE {table} SET {name} = %(v)s{where}", {"v": value, "id": row_id})


async def registration_id(store: Store, redirect: str) -> str:
    assert isinstance(store, SQLStore)
    sql = "SELECT id FROM oauth_registrations WHERE redirect_uri = %(r)s"
    rows = await store._fetch(sql, {"r": redirect})
    return str(rows[0]["id"])


async def test_values_are_enveloped_under_the_write_key(stores: StoreFactory) -> None:
    store = await stores.open(Cipher(NEW_KEY, [OLD_KEY]))
    user = await store.find_or_create_user("env@example.com")
    saved = await store.upsert_credential(cred(user.id))
    await store.put_oauth_registration(registration())
    header = Cipher(NEW_KEY).write_header
    for name in (ACCESS, REFRESH):
        assert (await column(store, "integration_tokens", name, saved.id)).startswith(header)
    secret_id = await registration_id(store, "https://r")
    assert (await column(store, "oauth_registrations", SECRET, secret_id)).startswith(header)


async def test_rows_from_before_the_envelope_still_read(store: Store) -> None:
    user = await store.find_or_create_user("legacy@example.com")
    saved = await store.upsert_credential(cred(user.id))
    await set_column(store, "integration_tokens", ACCESS, legacy(OLD_KEY, "legacy-access"))
    await set_column(store, "integration_tokens", REFRESH, legacy(OLD_KEY, "legacy-refresh"))
    await store.put_oauth_registration(registration())
    await set_column(store, "oauth_registrations", SECRET, legacy(OLD_KEY, "legacy-secret"))
    again = await store.get_credential_by_id(saved.id)
    assert again is not None
    assert (again.access_token, again.refresh_token) == ("legacy-access", "legacy-refresh")
    found = await store.get_oauth_registration("https://a", "https://r")
    assert found is not None and found.client_secret == "legacy-secret"


async def test_a_ciphertext_copied_to_another_row_is_refused(store: Store) -> None:
    alice = await store.find_or_create_user("alice@example.com")
    bob = await store.find_or_create_user("bob@example.com")
    alices = await store.upsert_credential(cred(alice.id, token="alice-token"))
    bobs = await store.upsert_credential(cred(bob.id, token="bob-token"))
    work = await store.upsert_credential(cred(alice.id, instance="work", token="alice-work"))
    access = await column(store, "integration_tokens", ACCESS, alices.id)
    refresh = await column(store, "integration_tokens", REFRESH, alices.id)
    for victim in (bobs.id, work.id):  # another user's row; the same user's other instance
        await set_column(store, "integration_tokens", ACCESS, access, victim)
        with pytest.raises(MisboundCiphertext, match="does not belong to this row"):
            await store.get_credential_by_id(victim)
    assert await store.get_credential_by_id(alices.id) == alices
    await set_column(store, "integration_tokens", ACCESS, refresh, alices.id)  # the row's other column
    with pytest.raises(MisboundCiphertext):
        await store.get_credential(alice.id, "github", "", "default")


async def test_a_registration_secret_copied_to_another_registration_is_refused(store: Store) -> None:
    for redirect in ("https://r/1", "https://r/2"):
        await store.put_oauth_registration(registration(redirect, secret=redirect))
    first = await column(store, "oauth_registrations", SECRET,
                         await registration_id(store, "https://r/1"))  # fmt: skip
    second = await registration_id(store, "https://r/2")
    await set_column(store, "oauth_registrations", SECRET, first, second)
    with pytest.raises(MisboundCiphertext):
        await store.get_oauth_registration("https://a", "https://r/2")


async def test_previous_keys_read_until_removed(stores: StoreFactory) -> None:
    before = await stores.open(Cipher(OLD_KEY))
    user = await before.find_or_create_user("rotate@example.com")
    old = await before.upsert_credential(cred(user.id, token="old"))
    ring = await stores.open(Cipher(NEW_KEY, [OLD_KEY]))
    assert (await ring.get_credential_by_id(old.id)) == old
    new = await ring.upsert_credential(cred(user.id, instance="new", token="new"))
    assert (await before.get_credential_by_id(old.id)) == old
    with pytest.raises(UnknownEncryptionKey):
        await before.get_credential_by_id(new.id)  # the old key alone reads only its own rows
    with pytest.raises(UnknownEncryptionKey):
        await (await stores.open(Cipher(NEW_KEY))).get_credential_by_id(old.id)


async def test_a_swap_naming_another_row_swaps_nothing(store: Store) -> None:
    alice = await store.find_or_create_user("cas-alice@example.com")
    bob = await store.find_or_create_user("cas-bob@example.com")
    saved = await store.upsert_credential(cred(alice.id, token="alice"))
    swapped = await store.compare_and_swap_credential(saved.id, saved.version, cred(bob.id, token="bob"))
    assert swapped is False
    assert await store.get_credential_by_id(saved.id) == saved
