"""Store conformance for dynamic OAuth client registrations (``mcp_oauth``), on every store."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from engine.crypto import Cipher
from engine.store import OAuthRegistration, Store
from engine.store.secret_columns import REGISTRATIONS
from engine.store.sql_store import SQLStore

pytestmark = pytest.mark.anyio

SERVER = "https://auth.example.com"
REDIRECT = "https://gestalt.example.com/api/v1/auth/callback"
SECRET = "dcr-client-secret-PLAINTEXT"


def registration(**changes: object) -> OAuthRegistration:
    base = OAuthRegistration(
        auth_server=SERVER,
        redirect_uri=REDIRECT,
        client_id="client-1",
        client_secret=SECRET,
        auth_method="client_secret_post",
        expires_at=datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1),
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


async def test_round_trip_per_server_and_redirect(store: Store) -> None:
    saved = registration()
    await store.put_oauth_registration(saved)
    assert await store.get_oauth_registration(SERVER, REDIRECT) == saved
    assert await store.get_oauth_registration(SERVER, REDIRECT + "/other") is None
    assert await store.get_oauth_registration("https://other.example.com", REDIRECT) is None


async def test_put_replaces_on_the_key_and_public_clients_have_no_secret(store: Store) -> None:
    await store.put_oauth_registration(registration())
    public = registration(client_id="client-2", client_secret="", auth_method="none", expires_at=None)
    await store.put_oauth_registration(public)
    assert await store.get_oauth_registration(SERVER, REDIRECT) == public


async def test_expired_registrations_are_not_returned(store: Store) -> None:
    expired = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=1)
    await store.put_oauth_registration(registration(expires_at=expired))
    assert await store.get_oauth_registration(SERVER, REDIRECT) is None


async def test_the_client_secret_is_stored_encrypted(store: Store) -> None:
    assert isinstance(store, SQLStore)
    await store.put_oauth_registration(registration())
    rows = await store._fetch("SELECT client_secret_encrypted FROM oauth_registrations", {})
    stored = rows[0]["client_secret_encrypted"]
    assert SECRET not in stored
    row = {"auth_server_url": SERVER, "redirect_uri": REDIRECT}
    binding = REGISTRATIONS.binding("client_secret_encrypted", row)
    assert Cipher(bytes(range(32))).decrypt(stored, bound_to=binding) == SECRET  # conftest.TEST_KEY
