"""What every part of the SQL store stands on: a dialect's way of running statements and moving
timestamps, the cipher and the clock. ``SQLStore`` and the query groups kept beside it
(``sql_one_time``, ``sql_registrations``, ``sql_deliveries``, ``sql_grants``) all derive from it, so
each group declares only what it adds; SQLite and Postgres implement the abstract methods."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from engine.crypto import Cipher
from engine.store.records import Clock, utc_now, utc_seconds

Row = dict[str, Any]


class SQLBase(ABC):
    def __init__(self, cipher: Cipher) -> None:
        self._cipher = cipher
        # Every expiry the store checks is against this clock; tests move it on instead of sleeping.
        self.clock: Clock = utc_now

    @property
    def cipher(self) -> Cipher:
        return self._cipher

    # ---- what a dialect provides ----

    @abstractmethod
    async def _fetch(self, sql: str, params: Row) -> list[Row]: ...

    @abstractmethod
    async def _execute(self, sql: str, params: Row) -> int:
        """Run a statement; return the number of rows it changed."""

    @abstractmethod
    async def _transaction(self, statements: Sequence[tuple[str, Row]]) -> list[int]:
        """Run the statements in one transaction (all or none); the rows each changed."""

    @abstractmethod
    def _ts_in(self, moment: datetime) -> object: ...

    @abstractmethod
    def _ts_out(self, value: Any) -> datetime: ...

    # ---- timestamps, dialect-neutral ----

    def _ts(self, moment: datetime | None) -> object:
        return None if moment is None else self._ts_in(utc_seconds(moment))

    def _ts_opt(self, value: Any) -> datetime | None:
        return None if value is None else self._ts_out(value)
