"""The Store protocol written once in SQL that SQLite and Postgres both accept.

A dialect subclass supplies only how to run a statement and how timestamps travel; every query, the
encryption of secrets and the mapping of rows to records live here. Queries use psycopg's
``%(name)s`` placeholders; the SQLite subclass rewrites them.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime

from engine.errors import StoreError
from engine.store.records import (
    IDENTITY_USER_ID,
    ApiToken,
    Credential,
    CredentialData,
    OAuthGrant,
    Session,
    User,
)
from engine.store.secret_columns import CREDENTIALS
from engine.store.sql_base import Row
from engine.store.sql_deliveries import DeliveryQueries
from engine.store.sql_grants import GrantQueries
from engine.store.sql_one_time import OneTimeQueries
from engine.store.sql_registrations import RegistrationQueries

_CREDENTIAL_VALUES = """access_token_encrypted = %(access)s, refresh_token_encrypted = %(refresh)s,
    scopes = %(scopes)s, expires_at = %(expires_at)s, last_refreshed_at = %(refreshed)s,
    metadata_json = %(metadata)s, refresh_error_count = 0, updated_at = %(now)s"""


class SQLStore(RegistrationQueries, OneTimeQueries, DeliveryQueries, GrantQueries):
    async def _read(self, sql: str, params: Row) -> list[Row]:
        """An indexed point read on the request path; a dialect may serve it more cheaply."""
        return await self._fetch(sql, params)

    async def ping(self) -> None:
        await self._fetch("SELECT 1 AS ok", {})

    # ---- users ----

    async def find_or_create_user(self, email: str, display_name: str = "") -> User:
        if not email or email == IDENTITY_USER_ID:
            raise StoreError("invalid user email")
        now = self._ts_in(self.clock())
        await self._execute(
            "INSERT INTO users (id, email, display_name, created_at, updated_at) "
            "VALUES (%(id)s, %(email)s, %(name)s, %(now)s, %(now)s) ON CONFLICT (email) DO NOTHING",
            {"id": str(uuid.uuid4()), "email": email, "name": display_name, "now": now},
        )
        rows = await self._fetch("SELECT * FROM users WHERE email = %(email)s", {"email": email})
        if not rows:
            raise StoreError("user vanished after insert")
        return self._user(rows[0])

    async def get_user(self, user_id: str) -> User | None:
        rows = await self._read("SELECT * FROM users WHERE id = %(id)s", {"id": user_id})
        return self._user(rows[0]) if rows else None

    # ---- sessions ----

    async def create_session(self, user_id: str, token_hash: str, expires_at: datetime) -> Session:
        rows = await self._fetch(
            "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) "
            "VALUES (%(hash)s, %(user)s, %(now)s, %(exp)s) RETURNING *",
            {
                "hash": token_hash,
                "user": user_id,
                "now": self._ts_in(self.clock()),
                "exp": self._ts(expires_at),
            },
        )
        return self._session(rows[0])

    async def get_session(self, token_hash: str) -> Session | None:
        rows = await self._read(
            "SELECT * FROM sessions WHERE token_hash = %(hash)s AND expires_at > %(now)s",
            {"hash": token_hash, "now": self._ts_in(self.clock())},
        )
        return self._session(rows[0]) if rows else None

    async def delete_session(self, token_hash: str) -> bool:
        sql = "DELETE FROM sessions WHERE token_hash = %(hash)s"
        return await self._execute(sql, {"hash": token_hash}) > 0

    # ---- API tokens ----

    async def create_api_token(
        self,
        user_id: str,
        name: str,
        token_hash: str,
        scopes: tuple[str, ...],
        expires_at: datetime | None,
        grant: OAuthGrant | None = None,
        mcp_tools: str = "",
    ) -> ApiToken:
        now = self._ts_in(self.clock())
        rows = await self._fetch(
            "INSERT INTO api_tokens (id, user_id, name, hashed_token, scopes, expires_at, created_at, "
            "updated_at, client_id, client_name, resource, refresh_hash, refresh_expires_at, mcp_tools) "
            "VALUES (%(id)s, %(user)s, %(name)s, %(hash)s, %(scopes)s, %(exp)s, %(now)s, %(now)s, "
            "%(client)s, %(client_name)s, %(resource)s, %(refresh)s, %(refresh_exp)s, %(mcp_tools)s) "
            "RETURNING *",
            {
                "id": str(uuid.uuid4()),
                "user": user_id,
                "name": name,
                "hash": token_hash,
                "scopes": " ".join(scopes),
                "exp": self._ts(expires_at),
                "now": now,
                "client": grant.client_id if grant else "",
                "client_name": grant.client_name if grant else "",
                "resource": grant.resource if grant else "",
                "refresh": grant.refresh_hash if grant else None,
                "refresh_exp": self._ts(grant.refresh_expires_at) if grant else None,
                "mcp_tools": mcp_tools,
            },
        )
        return self._api_token(rows[0])

    async def get_api_token_by_hash(self, token_hash: str) -> ApiToken | None:
        rows = await self._read(
            "SELECT * FROM api_tokens WHERE hashed_token = %(hash)s "
            "AND (expires_at IS NULL OR expires_at > %(now)s)",
            {"hash": token_hash, "now": self._ts_in(self.clock())},
        )
        return self._api_token(rows[0]) if rows else None

    async def list_api_tokens(self, user_id: str) -> list[ApiToken]:
        rows = await self._fetch(
            "SELECT * FROM api_tokens WHERE user_id = %(user)s ORDER BY created_at, id", {"user": user_id}
        )
        return [self._api_token(r) for r in rows]

    async def delete_api_token(self, user_id: str, token_id: str) -> bool:
        sql = "DELETE FROM api_tokens WHERE id = %(id)s AND user_id = %(user)s"
        return await self._execute(sql, {"id": token_id, "user": user_id}) > 0

    async def delete_all_api_tokens(self, user_id: str) -> int:
        return await self._execute("DELETE FROM api_tokens WHERE user_id = %(user)s", {"user": user_id})

    # ---- integration credentials ----

    async def upsert_credential(self, cred: CredentialData) -> Credential:
        params = self._credential_params(cred)
        params.update(id=str(uuid.uuid4()))
        rows = await self._fetch(
            "INSERT INTO integration_tokens (id, user_id, integration, connection, instance, "
            "access_token_encrypted, refresh_token_encrypted, scopes, expires_at, last_refreshed_at, "
            "metadata_json, refresh_error_count, version, created_at, updated_at) VALUES (%(id)s, "
            "%(user)s, %(integration)s, %(connection)s, %(instance)s, %(access)s, %(refresh)s, "
            "%(scopes)s, %(expires_at)s, %(refreshed)s, %(metadata)s, 0, 1, %(now)s, %(now)s) "
            "ON CONFLICT (user_id, integration, connection, instance) DO UPDATE SET "
            f"{_CREDENTIAL_VALUES}, version = integration_tokens.version + 1 RETURNING *",
            params,
        )
        return self._credential(rows[0])

    async def get_credential(
        self, user_id: str, integration: str, connection: str, instance: str
    ) -> Credential | None:
        rows = await self._read(
            "SELECT * FROM integration_tokens WHERE user_id = %(user)s AND integration = %(integration)s "
            "AND connection = %(connection)s AND instance = %(instance)s",
            {"user": user_id, "integration": integration, "connection": connection, "instance": instance},
        )
        return self._credential(rows[0]) if rows else None

    async def get_credential_by_id(self, credential_id: str) -> Credential | None:
        sql = "SELECT * FROM integration_tokens WHERE id = %(id)s"
        rows = await self._read(sql, {"id": credential_id})
        return self._credential(rows[0]) if rows else None

    async def list_credentials(
        self, user_id: str, integration: str | None = None, connection: str | None = None
    ) -> list[Credential]:
        sql = "SELECT * FROM integration_tokens WHERE user_id = %(user)s"
        params: Row = {"user": user_id}
        if integration is not None:
            sql += " AND integration = %(integration)s"
            params["integration"] = integration
        if connection is not None:
            sql += " AND connection = %(connection)s"
            params["connection"] = connection
        rows = await self._read(sql + " ORDER BY integration, connection, instance", params)
        return [self._credential(r) for r in rows]

    async def delete_credential(self, user_id: str, credential_id: str) -> bool:
        sql = "DELETE FROM integration_tokens WHERE id = %(id)s AND user_id = %(user)s"
        return await self._execute(sql, {"id": credential_id, "user": user_id}) > 0

    async def compare_and_swap_credential(
        self, credential_id: str, expected_version: int, new: CredentialData
    ) -> bool:
        # One UPDATE guarded by the version: the database's row lock makes it atomic across
        # connections and processes, and a loser re-evaluates the WHERE and changes nothing. The
        # key fields are matched too: the new values are bound to them (secret_columns.py).
        params = self._credential_params(new)
        params.update(id=credential_id, expected=expected_version)
        changed = await self._execute(
            f"UPDATE integration_tokens SET {_CREDENTIAL_VALUES}, version = version + 1 "
            "WHERE id = %(id)s AND version = %(expected)s AND user_id = %(user)s "
            "AND integration = %(integration)s AND connection = %(connection)s AND instance = %(instance)s",
            params,
        )
        return changed == 1

    async def record_refresh_error(self, credential_id: str) -> None:
        await self._execute(
            "UPDATE integration_tokens SET refresh_error_count = refresh_error_count + 1, "
            "updated_at = %(now)s WHERE id = %(id)s",
            {"id": credential_id, "now": self._ts_in(self.clock())},
        )

    # ---- single use ----

    async def use_once(self, key: str, expires_at: datetime) -> bool:
        now = self._ts_in(self.clock())
        await self._execute("DELETE FROM used_once WHERE expires_at < %(now)s", {"now": now})
        inserted = await self._execute(
            "INSERT INTO used_once (key, expires_at) VALUES (%(key)s, %(exp)s) ON CONFLICT (key) DO NOTHING",
            {"key": key, "exp": self._ts(expires_at)},
        )
        return inserted == 1

    # ---- rows ↔ records ----

    def _credential_params(self, cred: CredentialData) -> Row:
        key = {
            "user_id": cred.user_id,
            "integration": cred.integration,
            "connection": cred.connection,
            "instance": cred.instance,
        }
        access, refresh = CREDENTIALS.columns
        return {
            "user": cred.user_id,
            "integration": cred.integration,
            "connection": cred.connection,
            "instance": cred.instance,
            "access": self._cipher.encrypt(cred.access_token, bound_to=CREDENTIALS.binding(access, key)),
            "refresh": self._cipher.encrypt(cred.refresh_token, bound_to=CREDENTIALS.binding(refresh, key)),
            "scopes": cred.scopes,
            "expires_at": self._ts(cred.expires_at),
            "refreshed": self._ts(cred.last_refreshed_at),
            "metadata": json.dumps(dict(cred.metadata), sort_keys=True) if cred.metadata else "",
            "now": self._ts_in(self.clock()),
        }

    def _user(self, row: Row) -> User:
        return User(
            id=row["id"],
            email=row["email"],
            display_name=row["display_name"],
            created_at=self._ts_out(row["created_at"]),
            updated_at=self._ts_out(row["updated_at"]),
        )

    def _session(self, row: Row) -> Session:
        return Session(
            token_hash=row["token_hash"],
            user_id=row["user_id"],
            created_at=self._ts_out(row["created_at"]),
            expires_at=self._ts_out(row["expires_at"]),
        )

    def _api_token(self, row: Row) -> ApiToken:
        return ApiToken(
            id=row["id"],
            user_id=row["user_id"],
            name=row["name"],
            token_hash=row["hashed_token"],
            scopes=tuple(row["scopes"].split()),
            expires_at=self._ts_opt(row["expires_at"]),
            created_at=self._ts_out(row["created_at"]),
            updated_at=self._ts_out(row["updated_at"]),
            client_id=row["client_id"],
            client_name=row["client_name"],
            resource=row["resource"],
            refresh_expires_at=self._ts_opt(row["refresh_expires_at"]),
            mcp_tools=row["mcp_tools"],
        )

    def _credential(self, row: Row) -> Credential:
        access, refresh = CREDENTIALS.columns
        return Credential(
            id=row["id"],
            user_id=row["user_id"],
            integration=row["integration"],
            connection=row["connection"],
            instance=row["instance"],
            access_token=self._cipher.decrypt(row[access], bound_to=CREDENTIALS.binding(access, row)),
            refresh_token=self._cipher.decrypt(row[refresh], bound_to=CREDENTIALS.binding(refresh, row)),
            scopes=row["scopes"],
            expires_at=self._ts_opt(row["expires_at"]),
            last_refreshed_at=self._ts_opt(row["last_refreshed_at"]),
            metadata=json.loads(row["metadata_json"]) if row["metadata_json"] else {},
            refresh_error_count=row["refresh_error_count"],
            version=row["version"],
            created_at=self._ts_out(row["created_at"]),
            updated_at=self._ts_out(row["updated_at"]),
        )
