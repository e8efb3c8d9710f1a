"""Spec documents (OpenAPI files, GraphQL introspection results): read, parse once, cache.

Remote documents come from prepared state (``gestaltd init`` → ``.gestalt/`` + the lock file)
when it is there, else from the network; ``locked`` mode never touches the network. Parsing a
large YAML document costs seconds, so the parsed form is cached as JSON keyed by the SHA-256 of
the document's bytes (a changed document is a different key: the cache is never stale).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import orjson
import yaml

from engine.config.paths import is_remote
from engine.documents.fetch import fetch
from engine.documents.lock import Lock, init_hint, prepared_path, read_lock
from engine.errors import DocumentUnavailable

CACHE_ENV = "GESTALT_CACHE_DIR"
_PARSED: dict[str, Any] = {}  # sha256 → parsed document, for this process


class _Loader(yaml.CSafeLoader):
    """Safe YAML without timestamp typing: ``2026-03-11`` stays a string (JSON-serialisable)."""


_Loader.yaml_implicit_resolvers = {
    key: [r for r in resolvers if r[0] != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.CSafeLoader.yaml_implicit_resolvers.items()
}


class Documents:
    """Where one config's documents come from. ``locked``: prepared state only, no network."""

    def __init__(self, config_path: Path, locked: bool = False) -> None:
        self.config_path = config_path
        self.config_dir = config_dir = config_path.parent
        self.locked = locked
        self._lock: Lock | None = None
        env = os.environ.get(CACHE_ENV)
        self.cache_dir = Path(env) if env else config_dir / ".gestalt" / "cache"

    @property
    def lock(self) -> Lock:
        if self._lock is None:
            self._lock = read_lock(self.config_dir)
        return self._lock

    def read(
        self, location: str, post: bytes | None = None, headers: Mapping[str, str] | None = None
    ) -> bytes:
        """The bytes of a local file, a prepared remote document, or (not locked) a live fetch."""
        if not is_remote(location):
            path = Path(location.removeprefix("file://"))
            try:
                return path.read_bytes()
            except OSError as exc:
                raise DocumentUnavailable(f"reading {path}: {exc.strerror or exc}") from None
        prepared = self.prepared(location)
        if prepared is not None:
            return prepared
        if self.locked:
            raise DocumentUnavailable(f"{location} is not prepared; {init_hint(self.config_path)}")
        return fetch(location, post, headers)

    def prepared(self, url: str) -> bytes | None:
        entry = self.lock.documents.get(url)
        if entry is None:
            return None
        try:
            data = prepared_path(self.config_dir, entry).read_bytes()
        except OSError:
            return None
        return data if hashlib.sha256(data).hexdigest() == entry.sha256 else None

    def parse(self, raw: bytes) -> Any:
        return parse_document(raw, self.cache_dir)


def parse_document(raw: bytes, cache_dir: Path | None = None) -> Any:
    """JSON or YAML → plain JSON values (string keys, no dates). Memoised and disk-cached."""
    digest = hashlib.sha256(raw).hexdigest()
    if digest in _PARSED:
        return _PARSED[digest]
    cached = cache_dir / f"{digest}.json" if cache_dir is not None else None
    doc = _read_cache(cached)
    if doc is None:
        encoded = _parse_to_json(raw)
        doc = orjson.loads(encoded)
        _write_cache(cached, encoded)
    _PARSED[digest] = doc
    return doc


def _parse_to_json(raw: bytes) -> bytes:
    """Parse, then normalise through JSON so a fresh parse and a cache hit are identical."""
    stripped = raw.lstrip()
    try:
        if stripped.startswith((b"{", b"[")):
            return orjson.dumps(orjson.loads(raw))
        value = yaml.load(raw, Loader=_Loader)  # noqa: S506 (a safe loader subclass)
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS, default=str)
    except (orjson.JSONDecodeError, yaml.YAMLError, TypeError) as exc:
        raise DocumentUnavailable(f"not valid JSON or YAML: {str(exc).splitlines()[0]}") from None


def _read_cache(path: Path | None) -> Any:
    if path is None:
        return None
    try:
        return orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return None


def _write_cache(path: Path | None, encoded: bytes) -> None:
    if path is None or len(encoded) < 256 * 1024:  # small documents parse faster than a file write
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(encoded)
        tmp.replace(path)
    except OSError:
        pass  # a read-only config dir: no cache, just a slower start
