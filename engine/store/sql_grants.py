"""The queries of gestaltd's own authorization server: registered clients (``oauth_clients``) and
the refresh side of grants, which live on their ``api_tokens`` row. Kept beside ``SQLStore``,
which inherits them.

A refresh rotates the row in one UPDATE guarded by the refresh token's hash, so of two replicas
presenting the same refresh token exactly one wins; the hash it replaced is kept, and presenting
that one again (a replay: the token leaked, or a client kept an old copy) deletes the grant.
"""

from __future__ import annotations

import json
from abc import abstractmethod
from datetime import datetime

from engine.store.records import ApiToken, OAuthClient
from engine.store.sql_base import Row, SQLBase


class GrantQueries(SQLBase):
    @abstractmethod
    def _api_token(self, row: Row) -> ApiToken: ...

    async def put_oauth_client(self, client: OAuthClient) -> None:
        await self._execute(
            "INSERT INTO oauth_clients (client_id, client_secret_hash, client_name, metadata_json, "
            "created_at) VALUES (%(id)s, %(secret)s, %(name)s, %(metadata)s, %(now)s)",
            {
                "id": client.client_id,
                "secret": client.secret_hash,
                "name": client.client_name,
                "metadata": json.dumps(dict(client.metadata), sort_keys=True),
                "now": self._ts(client.created_at),
            },
        )

    async def get_oauth_client(self, client_id: str) -> OAuthClient | None:
        rows = await self._fetch("SELECT * FROM oauth_clients WHERE client_id = %(id)s", {"id": client_id})
        if not rows:
            return None
        row = rows[0]
        return OAuthClient(
            client_id=row["client_id"],
            client_name=row["client_name"],
            secret_hash=row["client_secret_hash"],
            metadata=json.loads(row["metadata_json"]),
            created_at=self._ts_out(row["created_at"]),
        )

    async def get_api_token_by_refresh_hash(self, refresh_hash: str) -> ApiToken | None:
        rows = await self._fetch(
            "SELECT * FROM api_tokens WHERE refresh_hash = %(hash)s AND refresh_expires_at > %(now)s",
            {"hash": refresh_hash, "now": self._ts_in(self.clock())},
        )
        return self._api_token(rows[0]) if rows else None

    async def rotate_grant(
        self,
        token_id: str,
        refresh_hash: str,
        *,
        token_hash: str,
        expires_at: datetime,
        new_refresh_hash: str,
        refresh_expires_at: datetime,
    ) -> bool:
        changed = await self._execute(
            "UPDATE api_tokens SET hashed_token = %(token)s, expires_at = %(exp)s, "
            "previous_refresh_hash = refresh_hash, refresh_hash = %(new_refresh)s, "
            "refresh_expires_at = %(refresh_exp)s, updated_at = %(now)s "
            "WHERE id = %(id)s AND refresh_hash = %(refresh)s",
            {
                "id": token_id,
                "refresh": refresh_hash,
                "token": token_hash,
                "exp": self._ts(expires_at),
                "new_refresh": new_refresh_hash,
                "refresh_exp": self._ts(refresh_expires_at),
                "now": self._ts_in(self.clock()),
            },
        )
        return changed == 1

    async def revoke_replayed_grant(self, refresh_hash: str) -> str:
        rows = await self._fetch(
            "DELETE FROM api_tokens WHERE previous_refresh_hash = %(hash)s RETURNING user_id",
            {"hash": refresh_hash},
        )
        return str(rows[0]["user_id"]) if rows else ""
