"""``open_store`` picks the implementation and resolves its configuration."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.crypto import Cipher
from engine.errors import StoreError, UnknownStoreProvider
from engine.store import open_store
from engine.store.postgres import PostgresStore
from engine.store.sqlite import SQLiteStore

CIPHER = Cipher(bytes(32))


def test_sqlite_path_defaults_beside_the_config(tmp_path: Path) -> None:
    store = open_store("sqlite", {}, CIPHER, tmp_path)
    assert isinstance(store, SQLiteStore) and store.path == tmp_path / "gestalt.db"


def test_sqlite_relative_and_absolute_paths(tmp_path: Path) -> None:
    relative = open_store("sqlite", {"path": "data/g.db"}, CIPHER, tmp_path)
    absolute = open_store("sqlite", {"path": "/var/lib/g.db"}, CIPHER, tmp_path)
    assert isinstance(relative, SQLiteStore) and relative.path == tmp_path / "data/g.db"
    assert isinstance(absolute, SQLiteStore) and absolute.path == Path("/var/lib/g.db")


def test_postgres_needs_a_dsn(tmp_path: Path) -> None:
    assert isinstance(open_store("postgres", {"dsn": "host=x"}, CIPHER, tmp_path), PostgresStore)
    with pytest.raises(StoreError, match="dsn"):
        open_store("postgres", {}, CIPHER, tmp_path)


def test_unknown_provider_is_named(tmp_path: Path) -> None:
    with pytest.raises(UnknownStoreProvider, match='"mongo"'):
        open_store("mongo", {}, CIPHER, tmp_path)


@pytest.mark.anyio
async def test_unreachable_postgres_is_a_store_error_without_the_dsn(
    anyio_backend: str, tmp_path: Path
) -> None:
    dsn = "host=127.0.0.1 port=1 user=u password=hunter2 connect_timeout=2"
    store = open_store("postgres", {"dsn": dsn}, CIPHER, tmp_path)
    with pytest.raises(StoreError) as info:
        await store.ping()
    assert "hunter2" not in str(info.value)
    await store.close()
