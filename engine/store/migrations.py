"""Schema migrations: a registry of small numbered steps, each with SQL per dialect.

Applied in order, each recorded in ``schema_migrations``; a step is never edited once released, a
change is a new step. Columns follow the reference schema (engine.md §10.8) so data can move between
the two; SQLite keeps timestamps as fixed-width ISO-8601 UTC text so they compare as strings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

from engine.store.records import IDENTITY_USER_ID

Dialect = Literal["sqlite", "postgres"]

TIMESTAMP_TYPE: dict[Dialect, str] = {"sqlite": "TEXT", "postgres": "TIMESTAMPTZ"}
NOW_SQL: dict[Dialect, str] = {
    "sqlite": "strftime('%Y-%m-%dT%H:%M:%SZ', 'now')",
    "postgres": "date_trunc('second', now())",
}

CREATE_MIGRATIONS_TABLE: dict[Dialect, str] = {
    "sqlite": "CREATE TABLE IF NOT EXISTS schema_migrations "
    "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
    "postgres": "CREATE TABLE IF NOT EXISTS schema_migrations "
    "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL)",
}


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    statements: Callable[[Dialect], list[str]]


MIGRATIONS: list[Migration] = []


def migration(version: int, name: str) -> Callable[[Callable[[Dialect], list[str]]], None]:
    """Register ``fn(dialect) -> [sql, ...]`` as step ``version``."""

    def register(fn: Callable[[Dialect], list[str]]) -> None:
        if any(m.version == version for m in MIGRATIONS):
            raise RuntimeError(f"duplicate migration version {version}")
        MIGRATIONS.append(Migration(version, name, fn))
        MIGRATIONS.sort(key=lambda m: m.version)

    return register


def pending(applied: Iterable[int]) -> list[Migration]:
    done = set(applied)
    return [m for m in MIGRATIONS if m.version not in done]


def record_sql(dialect: Dialect) -> str:
    """Insert into ``schema_migrations``; parameters ``version`` and ``name``."""
    return (
        "INSERT INTO schema_migrations (version, name, applied_at) "
        f"VALUES (%(version)s, %(name)s, {NOW_SQL[dialect]})"
    )


@migration(1, "users, integration tokens, api tokens")
def _core_tables(dialect: Dialect) -> list[str]:
    ts = TIMESTAMP_TYPE[dialect]
    return [
        f"""CREATE TABLE users (
            id TEXT PRIMARY KEY,
            email TEXT UNIQUE NOT NULL,
            display_name TEXT NOT NULL DEFAULT '',
            created_at {ts} NOT NULL,
            updated_at {ts} NOT NULL)""",
        f"""CREATE TABLE integration_tokens (
            id TEXT PRIMARY KEY,
            user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            integration TEXT NOT NULL,
            connection TEXT NOT NULL DEFAULT '',
            instance TEXT NOT NULL,
            access_token_encrypted TEXT NOT NULL,
            refresh_token_encrypted TEXT NOT NULL DEFAULT '',
            scopes TEXT NOT NULL DEFAULT '',
            expires_at {ts},
            last_refreshed_at {ts},
            refresh_error_count INTEGER NOT NULL DEFAULT 0,
            metadata_json TEXT NOT NULL DEFAULT '',
            version INTEGER NOT NULL DEFAULT 1,
            created_at {ts} NOT NULL,
            updated_at {ts} NOT NULL,
            UNIQUE (user_id, integration, connection, instance))""",
        f"""CREATE TABLE api_tokens (
            id TEXT PRIMARY KEY,
            user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            hashed_token TEXT UNIQUE NOT NULL,
            scopes TEXT NOT NULL DEFAULT '',
            expires_at {ts},
            created_at {ts} NOT NULL,
            updated_at {ts} NOT NULL)""",
        "CREATE INDEX api_tokens_user_id ON api_tokens (user_id)",
    ]


@migration(2, "sessions")
def _sessions(dialect: Dialect) -> list[str]:
    ts = TIMESTAMP_TYPE[dialect]
    return [
        f"""CREATE TABLE sessions (
            token_hash TEXT PRIMARY KEY,
            user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            created_at {ts} NOT NULL,
            expires_at {ts} NOT NULL)""",
        "CREATE INDEX sessions_user_id ON sessions (user_id)",
    ]


@migration(3, "identity pseudo-user")
def _identity_user(dialect: Dialect) -> list[str]:
    # The reference leaves identity credentials without a users row, so they violate the foreign
    # key (engine.md §10.8). Its email has no "@", so no login can ever resolve to it.
    now = NOW_SQL[dialect]
    return [
        "INSERT INTO users (id, email, display_name, created_at, updated_at) "
        f"VALUES ('{IDENTITY_USER_ID}', '{IDENTITY_USER_ID}', 'Shared identity', {now}, {now}) "
        "ON CONFLICT DO NOTHING"
    ]


@migration(4, "single-use markers")
def _used_once(dialect: Dialect) -> list[str]:
    ts = TIMESTAMP_TYPE[dialect]
    return [
        f"CREATE TABLE used_once (key TEXT PRIMARY KEY, expires_at {ts} NOT NULL)",
        "CREATE INDEX used_once_expires_at ON used_once (expires_at)",
    ]


@migration(5, "dynamic OAuth client registrations")
def _oauth_registrations(dialect: Dialect) -> list[str]:
    # The reference's table (engine.md §10.8) plus the registered auth method; its discovery
    # columns are left out because discovery results are cached in memory, not here.
    ts = TIMESTAMP_TYPE[dialect]
    return [
        f"""CREATE TABLE oauth_registrations (
            id TEXT PRIMARY KEY,
            auth_server_url TEXT NOT NULL,
            redirect_uri TEXT NOT NULL,
            client_id TEXT NOT NULL,
            client_secret_encrypted TEXT NOT NULL DEFAULT '',
            token_endpoint_auth_method TEXT NOT NULL DEFAULT '',
            expires_at {ts},
            created_at {ts} NOT NULL,
            updated_at {ts} NOT NULL,
            UNIQUE (auth_server_url, redirect_uri))""",
    ]


@migration(6, "one-time values")
def _one_time_values(dialect: Dialect) -> list[str]:
    # Login state bindings and login codes: taken once (DELETE … RETURNING), encrypted. ``id`` is
    # the caller's hashed key (named id so that rotate-key walks it like every secret table).
    ts = TIMESTAMP_TYPE[dialect]
    return [
        f"CREATE TABLE one_time_values (id TEXT PRIMARY KEY, value_encrypted TEXT NOT NULL, "
        f"expires_at {ts} NOT NULL)",
        "CREATE INDEX one_time_values_expires_at ON one_time_values (expires_at)",
    ]


@migration(7, "webhook deliveries")
def _webhook_deliveries(dialect: Dialect) -> list[str]:
    # A webhook delivery id seen by a binding, kept until expires_at, so a replayed delivery is
    # acknowledged and not forwarded again by any replica, also after a restart.
    ts = TIMESTAMP_TYPE[dialect]
    return [
        f"CREATE TABLE webhook_deliveries (binding TEXT NOT NULL, delivery_id TEXT NOT NULL, "
        f"received_at {ts} NOT NULL, expires_at {ts} NOT NULL, PRIMARY KEY (binding, delivery_id))",
        "CREATE INDEX webhook_deliveries_expires_at ON webhook_deliveries (expires_at)",
    ]


@migration(8, "OAuth clients of gestaltd's own authorization server; grants on API tokens")
def _oauth_grants(dialect: Dialect) -> list[str]:
    # A grant is an ordinary API token row that also carries its client and a rotating refresh
    # token (hashed, like the access token; the previous one kept to detect a replay).
    ts = TIMESTAMP_TYPE[dialect]
    return [
        f"""CREATE TABLE oauth_clients (
            client_id TEXT PRIMARY KEY,
            client_secret_hash TEXT NOT NULL DEFAULT '',
            client_name TEXT NOT NULL DEFAULT '',
            metadata_json TEXT NOT NULL,
            created_at {ts} NOT NULL)""",
        "ALTER TABLE api_tokens ADD COLUMN client_id TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE api_tokens ADD COLUMN client_name TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE api_tokens ADD COLUMN resource TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE api_tokens ADD COLUMN refresh_hash TEXT",
        "ALTER TABLE api_tokens ADD COLUMN previous_refresh_hash TEXT",
        f"ALTER TABLE api_tokens ADD COLUMN refresh_expires_at {ts}",
        "CREATE UNIQUE INDEX api_tokens_refresh_hash ON api_tokens (refresh_hash)",
        "CREATE INDEX api_tokens_previous_refresh_hash ON api_tokens (previous_refresh_hash)",
    ]


@migration(9, "a token's /mcp tool mode")
def _token_mcp_tools(dialect: Dialect) -> list[str]:
    # "" follows server.mcp.tools; all | search decide for the token.
    return ["ALTER TABLE api_tokens ADD COLUMN mcp_tools TEXT NOT NULL DEFAULT ''"]
