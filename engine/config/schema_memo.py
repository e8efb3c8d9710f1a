"""Remembering that a file already passed its JSON Schema, so ``serve`` can skip the check.

The key is the SHA-256 of the schema document and the file's expanded text: any change to
either is a different key, so a memo is never stale. Only files that passed are remembered, with
the keys the check dropped as unset (``client_id: ${UNSET}``), which a later start replays without
jsonschema. ``validate`` never uses the memo. Skipping the check keeps jsonschema out of
``serve``'s start-up (~0.1 s). A file not remembered is checked inline. The memo lives in the
cache directory (``cache_dir.py``); without one every file is checked.
"""

from __future__ import annotations

import hashlib
import json
import os
from functools import cache
from pathlib import Path
from typing import Any

from engine.config.cache_dir import cache_dir
from engine.config.schemas import schema_dir

JsonPath = list[str | int]


class SchemaMemo:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    @classmethod
    def in_cache(cls) -> SchemaMemo | None:
        """The memo in the cache directory (``schema-ok/``); None when there is none."""
        base = cache_dir()
        return cls(base / "schema-ok") if base is not None else None

    def key(self, schema_name: str, text: str) -> str:
        digest = hashlib.sha256(_schema_digest(schema_name).encode())
        digest.update(text.encode())
        return digest.hexdigest()

    def lookup(self, key: str) -> list[JsonPath] | None:
        """The keys to drop if the file passed before (usually none); None if not remembered."""
        try:
            text = (self.directory / key).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None
        if not text:
            return []
        try:
            paths = json.loads(text)
        except ValueError:
            return None
        return paths if isinstance(paths, list) and all(isinstance(p, list) for p in paths) else None

    def remember(self, key: str, dropped: list[JsonPath]) -> None:
        """Atomically: a reader (another start, at the same time) never sees half an entry."""
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            tmp = self.directory / f".{key}.{os.getpid()}"
            tmp.write_text(json.dumps(dropped) if dropped else "", encoding="utf-8")
            tmp.replace(self.directory / key)
        except OSError:
            pass  # a read-only deployment just checks every time


def drop_paths(data: Any, paths: list[JsonPath]) -> list[JsonPath]:
    """Delete each path whose value is null (an unset key); the paths deleted."""
    dropped: list[JsonPath] = []
    for path in paths:
        parent = data
        try:
            for part in path[:-1]:
                parent = parent[part]
        except (KeyError, IndexError, TypeError):
            continue
        key = path[-1]
        if isinstance(parent, dict) and key in parent and parent[key] is None:
            del parent[key]
            dropped.append(path)
    return dropped


@cache
def _schema_digest(schema_name: str) -> str:
    return hashlib.sha256((schema_dir() / schema_name).read_bytes()).hexdigest()
