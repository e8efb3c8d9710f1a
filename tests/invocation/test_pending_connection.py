"""Pending connection tokens: round trip, tamper and expiry, single use in the store."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from engine.crypto import Cipher
from engine.errors import ExpiredPendingConnection, InvalidPendingConnection
from engine.invocation.discovery import Candidate
from engine.invocation.pending_connection import (
    PendingConnection,
    consume_pending,
    open_pending,
    seal_pending,
)
from engine.store import CredentialData, open_store

CIPHER = Cipher(b"\x01" * 32)


def pending() -> PendingConnection:
    data = CredentialData(
        user_id="u1",
        integration="svc",
        connection="plugin",
        instance="default",
        access_token="at-secret",
        refresh_token="rt-secret",
        scopes="read",
        expires_at=datetime(2030, 1, 1, tzinfo=UTC),
        metadata={"tenant": "acme"},
    )
    return PendingConnection.create(data, [Candidate("a", "A", {"site": "a"}), Candidate("b", "B")])


def test_round_trip() -> None:
    original = pending()
    opened = open_pending(CIPHER, seal_pending(CIPHER, original))
    assert opened == original
    assert opened.credential.access_token == "at-secret"


def test_tampered_foreign_and_expired_tokens() -> None:
    sealed = seal_pending(CIPHER, pending())
    for bad in ("", "x", sealed[:-2] + "AA", seal_pending(Cipher(b"\x02" * 32), pending())):
        with pytest.raises(InvalidPendingConnection) as caught:
            open_pending(CIPHER, bad)
        assert caught.value.status == 400
    old = seal_pending(CIPHER, pending(), ttl=timedelta(seconds=1))
    assert open_pending(CIPHER, old) is not None  # not yet
    with pytest.raises(ExpiredPendingConnection) as expired:
        open_pending(CIPHER, old, now=time.time() + 2)
    assert (expired.value.status, expired.value.public_message) == (
        410,
        "invalid or expired pending connection",
    )


def test_consumed_once(tmp_path: Path) -> None:
    async def run() -> None:
        store = open_store("sqlite", {"path": str(tmp_path / "g.db")}, CIPHER, tmp_path)
        await store.migrate()
        sealed = seal_pending(CIPHER, pending())
        await consume_pending(store, sealed)
        with pytest.raises(InvalidPendingConnection):
            await consume_pending(store, sealed)
        await store.close()

    asyncio.run(run())
