"""``gestaltd rotate-key``: rewrite every stored secret under the write key, in batches.

A batch is one transaction over up to ``batch_size`` rows of one table. Each row's update is
guarded by the ciphertexts it was read with, so a write landing in between (a refresh in a running
replica) wins and is never overwritten with older plaintext. Only rows not yet under the write key
are selected, so a run that stopped (a batch limit, a failure, a kill) continues where it ended.
Readers accept every configured key throughout: no credential is unreadable at any moment.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from engine.crypto import HEADER_CHARS, Cipher
from engine.errors import DecryptionError, StoreError
from engine.store.protocol import Store
from engine.store.secret_columns import SECRET_TABLES, SecretTable
from engine.store.sql_base import Row
from engine.store.sql_store import SQLStore

Progress = Callable[[str, int], None]
"""Called after each committed batch with the table and its rows rewritten so far."""


@dataclass
class TableRotation:
    table: str
    rows: int = 0
    rewritten: int = 0
    changed_meanwhile: int = 0
    """Rows written by someone else between this run's read and its update; left as they are."""
    unreadable: list[str] = field(default_factory=list)
    """Ids of rows that no configured key opens; left as they are."""
    remaining: int = 0
    """Rows not under the write key when the run ended."""


@dataclass
class Rotation:
    write_key: str
    read_keys: tuple[str, ...]
    tables: list[TableRotation]
    batches: int = 0
    stopped_early: bool = False
    seconds: float = 0.0

    @property
    def complete(self) -> bool:
        return not self.stopped_early and all(t.remaining == 0 for t in self.tables)


@dataclass(frozen=True, slots=True)
class Limits:
    batch_size: int = 500
    max_batches: int | None = None
    pause_seconds: float = 0.0
    """A pause after each batch, to spare a busy database."""

    def __post_init__(self) -> None:
        if self.batch_size < 1 or (self.max_batches is not None and self.max_batches < 1):
            raise ValueError("batch size and batch limit must be at least 1")
        if self.pause_seconds < 0:
            raise ValueError("pause must not be negative")


async def rotate_keys(store: Store, limits: Limits = Limits(), progress: Progress | None = None) -> Rotation:
    """Rewrite every secret of every table in ``secret_columns`` under the store's write key."""
    if not isinstance(store, SQLStore):
        raise StoreError("this datastore cannot rotate keys")
    await store.migrate()
    keys = store.cipher.key_ids
    rotation = Rotation(keys[0], keys[1:], [TableRotation(t.table) for t in SECRET_TABLES])
    started = time.perf_counter()
    try:
        for table, report in zip(SECRET_TABLES, rotation.tables, strict=True):
            report.rows = await _count(store, table, "")
            if not await _rotate_table(store, table, report, rotation, limits, progress):
                rotation.stopped_early = True
                break
        for table, report in zip(SECRET_TABLES, rotation.tables, strict=True):
            report.remaining = await _count(store, table, _stale(table))
    finally:
        rotation.seconds = time.perf_counter() - started
    return rotation


async def _rotate_table(
    store: SQLStore,
    table: SecretTable,
    report: TableRotation,
    rotation: Rotation,
    limits: Limits,
    progress: Progress | None,
) -> bool:
    """False when the batch limit stopped the run before the table was done."""
    after = ""
    while True:
        if limits.max_batches is not None and rotation.batches >= limits.max_batches:
            return False
        rows = await store._fetch(
            f"SELECT * FROM {table.table} WHERE id > %(after)s AND ({_stale(table)}) ORDER BY id LIMIT %(n)s",
            {"after": after, "header": store.cipher.write_header, "n": limits.batch_size},
        )
        if not rows:
            return True
        after = str(rows[-1]["id"])
        await _rewrite(store, table, rows, report)
        rotation.batches += 1
        if progress is not None:
            progress(table.table, report.rewritten)
        if limits.pause_seconds:
            await asyncio.sleep(limits.pause_seconds)


async def _rewrite(store: SQLStore, table: SecretTable, rows: list[Row], report: TableRotation) -> None:
    """One batch, one transaction: each readable row re-encrypted, guarded by what was read."""
    statements: list[tuple[str, Row]] = []
    for row in rows:
        try:
            statements.append(_update(store.cipher, table, row))
        except DecryptionError:
            report.unreadable.append(str(row["id"]))
    counts = await store._transaction(statements) if statements else []
    report.rewritten += sum(counts)
    report.changed_meanwhile += len(counts) - sum(counts)


def _update(cipher: Cipher, table: SecretTable, row: Row) -> tuple[str, Row]:
    params: Row = {"id": row["id"]}
    assignments, guards = [], []
    for index, column in enumerate(table.columns):
        old = str(row[column])
        params[f"new{index}"], params[f"old{index}"] = _renewed(cipher, old, table.binding(column, row)), old
        assignments.append(f"{column} = %(new{index})s")
        guards.append(f"{column} = %(old{index})s")
    sql = f"UPDATE {table.table} SET {', '.join(assignments)} WHERE id = %(id)s AND {' AND '.join(guards)}"
    return sql, params


def _renewed(cipher: Cipher, old: str, binding: tuple[str, ...]) -> str:
    if cipher.is_current(old):
        return old
    return cipher.encrypt(cipher.decrypt(old, bound_to=binding), bound_to=binding)


def _stale(table: SecretTable) -> str:
    """SQL true for a row holding a secret not under the write key (``%(header)s``)."""
    return " OR ".join(f"({c} <> '' AND substr({c}, 1, {HEADER_CHARS}) <> %(header)s)" for c in table.columns)


async def _count(store: SQLStore, table: SecretTable, where: str) -> int:
    sql = f"SELECT count(*) AS n FROM {table.table}" + (f" WHERE {where}" if where else "")
    rows = await store._fetch(sql, {"header": store.cipher.write_header})
    return int(rows[0]["n"])


def describe(rotation: Rotation) -> list[str]:
    """The report ``gestaltd rotate-key`` prints: counts per table, then what to do next."""
    previous = ", ".join(rotation.read_keys) or "none"
    lines = [f"write key {rotation.write_key} (read-only keys: {previous})"]
    for t in rotation.tables:
        line = f"{t.table}: {t.rows} rows, {t.rewritten} rewritten, {t.remaining} not under the write key"
        if t.changed_meanwhile:
            line += f", {t.changed_meanwhile} changed by another writer meanwhile"
        if t.unreadable:
            line += f", {len(t.unreadable)} unreadable under every configured key: {', '.join(t.unreadable)}"
        lines.append(line)
    rewritten = sum(t.rewritten for t in rotation.tables)
    rate = rewritten / rotation.seconds if rotation.seconds > 0 else 0.0
    took = f"{rotation.seconds:.2f} s ({rate:.0f} rows/s)"
    lines.append(f"{rewritten} rows rewritten in {rotation.batches} batches, {took}")
    if rotation.complete:
        lines.append(f"done: every stored secret is under key {rotation.write_key}; previous keys can go")
    elif rotation.stopped_early:
        lines.append("stopped at the batch limit: run rotate-key again to continue")
    else:
        lines.append("not done: run rotate-key again (unreadable rows need the key they were written with)")
    return lines
