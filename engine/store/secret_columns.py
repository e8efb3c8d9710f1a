"""Which columns hold ciphertext, and the row identity each value is bound to.

The binding is the associated data of the value's envelope (``engine.crypto``): table, column and
the row's natural key. A value copied into another row, or into the other column of its own row,
then fails to open instead of yielding someone else's secret. The same description drives the
store's reads and writes and ``gestaltd rotate-key``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class SecretTable:
    table: str
    identity: tuple[str, ...]
    """The natural key: what a value is bound to (never the surrogate id, which a re-created row
    would not keep)."""
    columns: tuple[str, ...]

    def binding(self, column: str, row: Mapping[str, Any]) -> tuple[str, ...]:
        return (self.table, column, *[str(row[name]) for name in self.identity])


CREDENTIALS = SecretTable(
    "integration_tokens",
    ("user_id", "integration", "connection", "instance"),
    ("access_token_encrypted", "refresh_token_encrypted"),
)
REGISTRATIONS = SecretTable(
    "oauth_registrations", ("auth_server_url", "redirect_uri"), ("client_secret_encrypted",)
)
SECRET_TABLES = (CREDENTIALS, REGISTRATIONS)
