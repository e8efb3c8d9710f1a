"""The ``oauth_registrations`` queries of the SQL store (SQLite and Postgres), kept beside it.

``SQLStore`` inherits them; a dialect supplies only how statements run and timestamps travel.
The client secret is encrypted with the store's cipher like every other secret, bound to its
(auth server, redirect URI).
"""

from __future__ import annotations

import uuid

from engine.store.records import OAuthRegistration
from engine.store.secret_columns import REGISTRATIONS
from engine.store.sql_base import Row, SQLBase


class RegistrationQueries(SQLBase):
    async def get_oauth_registration(self, auth_server: str, redirect_uri: str) -> OAuthRegistration | None:
        rows = await self._fetch(
            "SELECT * FROM oauth_registrations WHERE auth_server_url = %(server)s "
            "AND redirect_uri = %(redirect)s AND (expires_at IS NULL OR expires_at > %(now)s)",
            {"server": auth_server, "redirect": redirect_uri, "now": self._ts_in(self.clock())},
        )
        return self._registration(rows[0]) if rows else None

    async def put_oauth_registration(self, registration: OAuthRegistration) -> None:
        key = {"auth_server_url": registration.auth_server, "redirect_uri": registration.redirect_uri}
        (column,) = REGISTRATIONS.columns
        secret = self._cipher.encrypt(registration.client_secret, bound_to=REGISTRATIONS.binding(column, key))
        await self._fetch(
            "INSERT INTO oauth_registrations (id, auth_server_url, redirect_uri, client_id, "
            "client_secret_encrypted, token_endpoint_auth_method, expires_at, created_at, updated_at) "
            "VALUES (%(id)s, %(server)s, %(redirect)s, %(client)s, %(secret)s, %(method)s, %(exp)s, "
            "%(now)s, %(now)s) ON CONFLICT (auth_server_url, redirect_uri) DO UPDATE SET "
            "client_id = %(client)s, client_secret_encrypted = %(secret)s, "
            "token_endpoint_auth_method = %(method)s, expires_at = %(exp)s, updated_at = %(now)s "
            "RETURNING id",
            {
                "id": str(uuid.uuid4()),
                "server": registration.auth_server,
                "redirect": registration.redirect_uri,
                "client": registration.client_id,
                "secret": secret,
                "method": registration.auth_method,
                "exp": self._ts(registration.expires_at),
                "now": self._ts_in(self.clock()),
            },
        )

    def _registration(self, row: Row) -> OAuthRegistration:
        (column,) = REGISTRATIONS.columns
        return OAuthRegistration(
            auth_server=row["auth_server_url"],
            redirect_uri=row["redirect_uri"],
            client_id=row["client_id"],
            client_secret=self._cipher.decrypt(row[column], bound_to=REGISTRATIONS.binding(column, row)),
            auth_method=row["token_endpoint_auth_method"],
            expires_at=self._ts_opt(row["expires_at"]),
        )
