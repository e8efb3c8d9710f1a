"""Prepared state for remote documents: ``.gestalt/documents/`` plus ``gestalt.lock.json``.

``gestaltd init`` fetches every remote OpenAPI document and GraphQL introspection result of a
config and records, per source URL, the SHA-256 of what it stored and when. ``serve --locked``
and ``validate`` then use only that state, and refuse it when it does not match the config.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from engine.config.paths import is_remote
from engine.config.spec import ConfigSpec
from engine.errors import DocumentUnavailable

LOCK_NAME = "gestalt.lock.json"
PREPARED_DIR = Path(".gestalt") / "documents"
VERSION = 1

# (url, kind) → the document bytes; kind is "openapi" or "graphql".
Fetcher = Callable[[str, str], bytes]


@dataclass(frozen=True, slots=True)
class LockEntry:
    kind: str
    sha256: str
    fetched_at: str
    path: str  # relative to the config directory, slash-separated


@dataclass(frozen=True, slots=True)
class Lock:
    documents: Mapping[str, LockEntry] = field(default_factory=dict)
    exists: bool = False


def init_hint(config_path: Path) -> str:
    return f"run `gestaltd init --config {config_path}`"


def prepared_path(config_dir: Path, entry: LockEntry) -> Path:
    return config_dir / entry.path


def read_lock(config_dir: Path) -> Lock:
    try:
        data = json.loads((config_dir / LOCK_NAME).read_text(encoding="utf-8"))
        docs = {url: LockEntry(**body) for url, body in data.get("documents", {}).items()}
    except FileNotFoundError:
        return Lock()
    except (OSError, ValueError, TypeError) as exc:
        raise DocumentUnavailable(f"{config_dir / LOCK_NAME} is unreadable: {exc}") from None
    return Lock(docs, exists=True)


def remote_documents(config: ConfigSpec) -> dict[str, str]:
    """Every remote document the config needs: source URL → kind."""
    out: dict[str, str] = {}
    for spec in config.integrations.values():
        plugin = spec.plugin
        if plugin.openapi and is_remote(plugin.openapi):
            out[plugin.openapi] = "openapi"
        elif plugin.graphql_url and not plugin.openapi:
            out[plugin.graphql_url] = "graphql"
    return out


def lock_problem(config: ConfigSpec) -> str | None:
    """Why prepared state cannot be used for this config, or None when it is complete and current."""
    wanted = remote_documents(config)
    if not wanted:
        return None
    lock = read_lock(config.base_dir)
    hint = init_hint(config.path)
    if not lock.exists:
        return f"remote documents require prepared state; {hint}"
    stale = sorted(set(wanted) ^ set(lock.documents))
    stale += [u for u in sorted(wanted) if u in lock.documents and lock.documents[u].kind != wanted[u]]
    if not stale:
        stale = [u for u in sorted(wanted) if not _intact(config.base_dir, lock.documents[u])]
    if stale:
        return f"prepared state is missing or stale for {', '.join(stale)}; {hint}"
    return None


def _intact(config_dir: Path, entry: LockEntry) -> bool:
    try:
        data = prepared_path(config_dir, entry).read_bytes()
    except OSError:
        return False
    return hashlib.sha256(data).hexdigest() == entry.sha256


def prepare(config: ConfigSpec, fetcher: Fetcher) -> Lock:
    """Fetch every remote document into ``.gestalt/documents/`` and write the lock file."""
    directory = config.base_dir / PREPARED_DIR
    directory.mkdir(parents=True, exist_ok=True)
    entries: dict[str, LockEntry] = {}
    for url, kind in sorted(remote_documents(config).items()):
        data = fetcher(url, kind)
        name = f"{kind}-{hashlib.sha256(url.encode()).hexdigest()[:16]}.doc"
        (directory / name).write_bytes(data)
        entries[url] = LockEntry(
            kind=kind,
            sha256=hashlib.sha256(data).hexdigest(),
            fetched_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            path=(PREPARED_DIR / name).as_posix(),
        )
    body = {
        "version": VERSION,
        "documents": {
            u: {"kind": e.kind, "sha256": e.sha256, "fetched_at": e.fetched_at, "path": e.path}
            for u, e in entries.items()
        },
    }
    (config.base_dir / LOCK_NAME).write_text(json.dumps(body, indent=2) + "\n", encoding="utf-8")
    return Lock(entries, exists=True)
