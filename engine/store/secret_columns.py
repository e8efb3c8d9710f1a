"""Which columns hold ciphertext, and the row identity each value is bound to.

The binding is the associated data of the value's envelope (``engine.crypto``): table, column and
the row's natural key. A value copied into another row, or into the other column of its own row,
then fails to open instead of yielding someone else's secret. The same description drives the
store's reads and writes and ``gestaltd rotate-key``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any


@dataclass(frozen=True, slots=True)
class SecretTable:
    table: str
    identity: tuple[str, ...]
    """The natural key: what a value is bound to (never the surrogate id, which a re-created row
    would not keep). Text columns, two or more."""
    columns: tuple[str, ...]
    _key: Callable[[Mapping[str, Any]], tuple[str, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_key", itemgetter(*self.identity))  # it runs on every credential read

    def binding(self, column: str, row: Mapping[str, Any]) -> tuple[str, ...]:
        return (self.table, column, *self._key(row))


CREDENTIALS = SecretTable(
    "integration_tokens",
    ("user_id", "integration", "connection", "instance"),
    ("access_token_encrypted", "refresh_token_encrypted"),
)
REGISTRATIONS = SecretTable(
    "oauth_registrations", ("auth_server_url", "redirect_uri"), ("client_secret_encrypted",)
)
ONE_TIME_VALUES = SecretTable("one_time_values", ("id",), ("value_encrypted",))
SECRET_TABLES = (CREDENTIALS, REGISTRATIONS, ONE_TIME_VALUES)
