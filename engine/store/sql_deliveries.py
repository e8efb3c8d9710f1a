"""The ``webhook_deliveries`` queries of the SQL store (SQLite and Postgres), kept beside it.

A delivery is claimed by one INSERT … ON CONFLICT DO NOTHING on (binding, delivery id): of several
replicas receiving the same delivery, exactly one inserts the row and forwards it. A claim whose
forward failed is released, so that the sender's retry is not taken for a replay.
"""

from __future__ import annotations

from datetime import datetime

from engine.store.sql_base import SQLBase


class DeliveryQueries(SQLBase):
    async def claim_delivery(self, binding: str, delivery_id: str, expires_at: datetime) -> bool:
        now = self.clock()
        await self._execute(
            "DELETE FROM webhook_deliveries WHERE expires_at < %(now)s", {"now": self._ts_in(now)}
        )
        inserted = await self._execute(
            "INSERT INTO webhook_deliveries (binding, delivery_id, received_at, expires_at) "
            "VALUES (%(binding)s, %(id)s, %(now)s, %(exp)s) ON CONFLICT (binding, delivery_id) DO NOTHING",
            {"binding": binding, "id": delivery_id, "now": self._ts(now), "exp": self._ts(expires_at)},
        )
        return inserted == 1

    async def release_delivery(self, binding: str, delivery_id: str) -> None:
        await self._execute(
            "DELETE FROM webhook_deliveries WHERE binding = %(binding)s AND delivery_id = %(id)s",
            {"binding": binding, "id": delivery_id},
        )
