"""The ``one_time_values`` queries of the SQL store (SQLite and Postgres), kept beside it.

A one-time value is put under a key (a hash the caller chose) with an expiry, and taken once:
the DELETE … RETURNING that reads it also removes it, so exactly one taker wins in any replica.
Values are encrypted with the store's cipher like every other secret, bound to their key.
"""

from __future__ import annotations

from datetime import datetime

from engine.store.secret_columns import ONE_TIME_VALUES
from engine.store.sql_base import SQLBase


class OneTimeQueries(SQLBase):
    async def put_one_time(self, key: str, value: str, expires_at: datetime) -> None:
        now = self._ts_in(self.clock())
        await self._execute("DELETE FROM one_time_values WHERE expires_at < %(now)s", {"now": now})
        sealed = self._cipher.encrypt(value, bound_to=_binding(key))
        await self._execute(
            "INSERT INTO one_time_values (id, value_encrypted, expires_at) "
            "VALUES (%(id)s, %(value)s, %(exp)s) ON CONFLICT (id) DO UPDATE SET "
            "value_encrypted = %(value)s, expires_at = %(exp)s",
            {"id": key, "value": sealed, "exp": self._ts(expires_at)},
        )

    async def take_one_time(self, key: str) -> str | None:
        rows = await self._fetch(
            "DELETE FROM one_time_values WHERE id = %(id)s AND expires_at >= %(now)s "
            "RETURNING value_encrypted",
            {"id": key, "now": self._ts_in(self.clock())},
        )
        return self._cipher.decrypt(rows[0]["value_encrypted"], bound_to=_binding(key)) if rows else None


def _binding(key: str) -> tuple[str, ...]:
    (column,) = ONE_TIME_VALUES.columns
    return ONE_TIME_VALUES.binding(column, {"id": key})
