"""Spec documents (OpenAPI files, GraphQL introspection results): read, parse once, cache.

Remote documents come from prepared state (``gestaltd init`` → ``.gestalt/`` + the lock file)
when it is there, else from the network; ``locked`` mode never touches the network. Parsing a
large YAML document costs seconds, so the parsed form is cached as JSON keyed by the SHA-256 of
the document's bytes (a changed document is a different key: the cache is never stale).

Integers wider than 64 bits are valid JSON and YAML (real documents have them in ``example:``
values), but orjson reads them as floats and cannot write them: such documents go through the
stdlib ``json`` instead, which keeps them exact. A document that does not parse says where.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import orjson
import yaml

from engine.config.cache_dir import cache_dir
from engine.config.paths import is_remote
from engine.documents.fetch import fetch
from engine.documents.lock import Lock, init_hint, prepared_path, read_lock
from engine.egress.context import system
from engine.egress.policy import EgressPolicy
from engine.errors import DocumentUnavailable

_PARSED: dict[str, Any] = {}  # sha256 → parsed document, for this process
# 20 digits in a row may be an integer past orjson's 64 bits (or just a long string: no harm).
_WIDE_INTEGER = re.compile(rb"[0-9]{20}")


class _Loader(yaml.CSafeLoader):
    """Safe YAML without timestamp typing: ``2026-03-11`` stays a string (JSON-serialisable)."""


_Loader.yaml_implicit_resolvers = {
    key: [r for r in resolvers if r[0] != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.CSafeLoader.yaml_implicit_resolvers.items()
}


class Documents:
    """Where one config's documents come from. ``locked``: prepared state only, no network."""

    def __init__(self, config_path: Path, locked: bool = False, egress: EgressPolicy | None = None) -> None:
        self.config_path = config_path
        self.egress = egress
        self.config_dir = config_path.parent
        self.locked = locked
        self._lock: Lock | None = None
        self.cache_dir = cache_dir()

    @property
    def lock(self) -> Lock:
        if self._lock is None:
            self._lock = read_lock(self.config_dir)
        return self._lock

    def read(
        self,
        location: str,
        post: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        integration: str = "",
    ) -> bytes:
        """The bytes of a local file, a prepared remote document, or (not locked) a live fetch
        (for ``integration``, as the egress policy sees it)."""
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
        return fetch(location, post, headers, egress=self.egress, context=system("documents", integration))

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
        doc = loads(encoded)
        _write_cache(cached, encoded)
    _PARSED[digest] = doc
    return doc


def loads(data: bytes) -> Any:
    """JSON → values; integers wider than 64 bits stay exact integers."""
    if _WIDE_INTEGER.search(data) is None:
        return orjson.loads(data)
    return json.loads(data)


def _dumps(value: Any) -> bytes:
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS, default=str)
    except TypeError:  # an integer wider than 64 bits, or a key JSON cannot have
        pass
    try:
        return json.dumps(value, default=str, ensure_ascii=False, separators=(",", ":")).encode()
    except (TypeError, ValueError) as exc:
        raise DocumentUnavailable(f"not representable as JSON: {exc}") from None


def _parse_to_json(raw: bytes) -> bytes:
    """Parse, then normalise through JSON so a fresh parse and a cache hit are identical."""
    if raw.lstrip().startswith((b"{", b"[")):
        try:
            return _dumps(loads(raw))
        except json.JSONDecodeError as exc:  # orjson's error is a subclass
            raise DocumentUnavailable(f"not valid JSON: {exc.msg}", exc.lineno, exc.colno) from None
    try:
        return _dumps(yaml.load(raw, Loader=_Loader))  # noqa: S506 (a safe loader subclass)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (0, 0)
        raise DocumentUnavailable(f"not valid YAML: {_yaml_problem(exc)}", line, col) from None
    except yaml.YAMLError as exc:
        raise DocumentUnavailable(f"not valid YAML: {str(exc).splitlines()[0]}") from None


def _yaml_problem(exc: yaml.MarkedYAMLError) -> str:
    problem = exc.problem or "invalid document"
    return f"{problem} ({exc.context})" if exc.context else problem


def _read_cache(path: Path | None) -> Any:
    if path is None:
        return None
    try:
        return loads(path.read_bytes())
    except (OSError, json.JSONDecodeError):
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
