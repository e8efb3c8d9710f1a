"""The Postgres store: shared by every replica, so all state that matters lives here.

Each call borrows a connection from a small pool; single statements autocommit, migrations run in
one transaction under an advisory lock so replicas starting together apply each step once.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import psycopg

from engine.crypto import Cipher
from engine.errors import StoreError
from engine.store import migrations
from engine.store.pool import ConnectionPool, PgConnection
from engine.store.records import utc_seconds
from engine.store.sql_base import Row
from engine.store.sql_store import SQLStore

_MIGRATION_LOCK_KEY = 0x67657374616C74  # "gestalt"


class PostgresStore(SQLStore):
    def __init__(self, dsn: str, cipher: Cipher, pool_size: int = 4) -> None:
        super().__init__(cipher)
        self._pool = ConnectionPool(dsn, max_size=pool_size)

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[PgConnection]:
        # The DSN may hold a password and driver messages may quote row values: keep both out of
        # the message; the driver error stays chained for debugging.
        try:
            async with self._pool.connection() as conn:
                yield conn
        except psycopg.Error as exc:
            raise StoreError() from exc

    async def _fetch(self, sql: str, params: Row) -> list[Row]:
        async with self._connection() as conn:
            cursor = await conn.execute(sql, params)
            return await cursor.fetchall() if cursor.description else []

    async def _execute(self, sql: str, params: Row) -> int:
        async with self._connection() as conn:
            cursor = await conn.execute(sql, params)
            return cursor.rowcount

    async def _transaction(self, statements: Sequence[tuple[str, Row]]) -> list[int]:
        # Pipelined: the statements go out without waiting for each answer (one round trip per
        # batch instead of one per statement); the counts are read after the sync.
        async with self._connection() as conn, conn.transaction(), conn.pipeline() as pipeline:
            cursors = [await conn.execute(sql, params) for sql, params in statements]
            await pipeline.sync()
            return [cursor.rowcount for cursor in cursors]

    def _ts_in(self, moment: datetime) -> object:
        return utc_seconds(moment)

    def _ts_out(self, value: Any) -> datetime:
        if not isinstance(value, datetime):
            raise StoreError("unexpected timestamp type")
        return value.astimezone(UTC)

    async def migrate(self) -> None:
        async with self._connection() as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock(%(key)s)", {"key": _MIGRATION_LOCK_KEY})
            await conn.execute(migrations.CREATE_MIGRATIONS_TABLE["postgres"])
            cursor = await conn.execute("SELECT version FROM schema_migrations")
            applied = [row["version"] for row in await cursor.fetchall()]
            for step in migrations.pending(applied):
                for statement in step.statements("postgres"):
                    await conn.execute(statement)
                await conn.execute(
                    migrations.record_sql("postgres"), {"version": step.version, "name": step.name}
                )

    async def close(self) -> None:
        await self._pool.close()
