"""A small pool of async Postgres connections (psycopg_pool is not a dependency).

Connections run in autocommit mode, so each statement is its own transaction unless the caller opens
one. A connection that comes back broken, closed, or mid-transaction is thrown away, never reused.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import psycopg
from psycopg.pq import TransactionStatus
from psycopg.rows import DictRow, dict_row

from engine.errors import StoreError

PgConnection = psycopg.AsyncConnection[DictRow]


class ConnectionPool:
    def __init__(self, conninfo: str, max_size: int = 4) -> None:
        if max_size < 1:
            raise ValueError("pool size must be at least 1")
        self._conninfo = conninfo
        self._slots = asyncio.Semaphore(max_size)
        self._idle: list[PgConnection] = []
        self._closed = False

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[PgConnection]:
        """Borrow a connection; waits while all ``max_size`` are in use."""
        async with self._slots:
            if self._closed:
                raise StoreError("datastore is closed")
            conn = await self._take()
            try:
                yield conn
            finally:
                await self._give_back(conn)

    async def close(self) -> None:
        self._closed = True
        idle, self._idle = self._idle, []
        for conn in idle:
            await conn.close()

    async def _take(self) -> PgConnection:
        while self._idle:
            conn = self._idle.pop()
            if not (conn.closed or conn.broken):
                return conn
            await conn.close()
        return await psycopg.AsyncConnection.connect(self._conninfo, autocommit=True, row_factory=dict_row)

    async def _give_back(self, conn: PgConnection) -> None:
        reusable = (
            not self._closed
            and not conn.closed
            and not conn.broken
            and conn.info.transaction_status == TransactionStatus.IDLE
        )
        if reusable:
            self._idle.append(conn)
        else:
            await conn.close()
