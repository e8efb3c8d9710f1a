"""Persistence beside the broker: users, sessions, API tokens and encrypted integration credentials.
One ``Store`` protocol; ``open_store`` is the only place that picks SQLite or Postgres.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from engine.crypto import Cipher
from engine.errors import StoreError, UnknownStoreProvider
from engine.store.protocol import Store
from engine.store.records import (
    DEFAULT_INSTANCE,
    IDENTITY_USER_ID,
    ApiToken,
    Credential,
    CredentialData,
    OAuthClient,
    OAuthGrant,
    OAuthRegistration,
    Session,
    User,
)

DEFAULT_SQLITE_PATH = "gestalt.db"

__all__ = [
    "DEFAULT_INSTANCE",
    "IDENTITY_USER_ID",
    "ApiToken",
    "Credential",
    "CredentialData",
    "OAuthClient",
    "OAuthGrant",
    "OAuthRegistration",
    "Session",
    "Store",
    "User",
    "open_store",
]


def open_store(provider: str, config: Mapping[str, Any], cipher: Cipher, base_dir: Path) -> Store:
    """Build the configured store (``datastore.provider``/``datastore.config``). It connects lazily:
    call ``await store.migrate()`` before use and ``await store.close()`` at shutdown."""
    if provider == "sqlite":
        from engine.store.sqlite import SQLiteStore

        path = Path(str(config.get("path") or DEFAULT_SQLITE_PATH)).expanduser()
        return SQLiteStore(path if path.is_absolute() else base_dir / path, cipher)
    if provider == "postgres":
        from engine.store.postgres import PostgresStore

        dsn = config.get("dsn")
        if not isinstance(dsn, str) or not dsn:
            raise StoreError('datastore "postgres" requires config.dsn')
        return PostgresStore(dsn, cipher)
    raise UnknownStoreProvider(provider)
