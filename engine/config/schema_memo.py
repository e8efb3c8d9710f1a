"""Remembering that a file already passed its JSON Schema, so ``serve`` can skip the check.

The key is the SHA-256 of the schema document and the file's expanded text: any change to
either is a different key, so a memo is never stale. Only files that passed with no error at
all are remembered (a file that needed empty values dropped is checked every time). ``validate``
never uses the memo. Skipping the check keeps jsonschema out of ``serve``'s start-up (~0.1 s).
"""

from __future__ import annotations

import hashlib
import os
from functools import cache
from pathlib import Path

from engine.config.schemas import schema_dir

CACHE_ENV = "GESTALT_CACHE_DIR"


class SchemaMemo:
    def __init__(self, config_dir: Path) -> None:
        env = os.environ.get(CACHE_ENV)
        self.directory = (Path(env) if env else config_dir / ".gestalt" / "cache") / "schema-ok"

    def key(self, schema_name: str, text: str) -> str:
        digest = hashlib.sha256(_schema_digest(schema_name).encode())
        digest.update(text.encode())
        return digest.hexdigest()

    def seen(self, key: str) -> bool:
        return (self.directory / key).is_file()

    def remember(self, key: str) -> None:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            (self.directory / key).touch()
        except OSError:
            pass  # a read-only deployment just checks every time


@cache
def _schema_digest(schema_name: str) -> str:
    return hashlib.sha256((schema_dir() / schema_name).read_bytes()).hexdigest()
