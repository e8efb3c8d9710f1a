"""Nothing secret reaches the SQLite file or its WAL in plaintext."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from engine.crypto import Cipher, hash_token, new_token
from engine.store import CredentialData, open_store

pytestmark = pytest.mark.anyio

ACCESS = "ghp_ACCESS_TOKEN_PLAINTEXT_0123456789"
REFRESH = "ghr_REFRESH_TOKEN_PLAINTEXT_9876543210"


def _raw_bytes(db_path: Path) -> bytes:
    files = [db_path, *(db_path.with_name(db_path.name + suffix) for suffix in ("-wal", "-shm"))]
    return b"".join(f.read_bytes() for f in files if f.exists())


async def test_plaintext_secrets_never_touch_the_file(anyio_backend: str, tmp_path: Path) -> None:
    store = open_store("sqlite", {}, Cipher(bytes(range(32))), tmp_path)
    await store.migrate()
    user = await store.find_or_create_user("raw@example.com")
    api_token, session_token = new_token(), new_token("gst_ses_")
    await store.create_api_token(user.id, "cli", hash_token(api_token), (), None)
    await store.create_session(user.id, hash_token(session_token), datetime.now(UTC) + timedelta(hours=1))
    await store.upsert_credential(
        CredentialData(user_id=user.id, integration="github", access_token=ACCESS, refresh_token=REFRESH)
    )
    db_path = tmp_path / "gestalt.db"
    secrets = [ACCESS, REFRESH, api_token, session_token]

    while_open = _raw_bytes(db_path)
    assert db_path.with_name("gestalt.db-wal").exists()  # WAL mode: the writes sit in the WAL
    assert hash_token(api_token).encode() in while_open  # sanity: we are reading the right bytes
    await store.close()
    after_close = _raw_bytes(db_path)

    for raw in (while_open, after_close):
        for secret in secrets:
            assert secret.encode() not in raw
            assert secret.encode("utf-16-le") not in raw


async def test_the_database_file_is_private(anyio_backend: str, tmp_path: Path) -> None:
    store = open_store("sqlite", {"path": "nested/dir/x.db"}, Cipher(bytes(32)), tmp_path)
    await store.migrate()
    await store.close()
    assert (tmp_path / "nested/dir/x.db").stat().st_mode & 0o077 == 0
