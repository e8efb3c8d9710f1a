"""Relative paths in config values are relative to the file that names them."""

from __future__ import annotations

import os
from pathlib import Path

_REMOTE_PREFIXES = ("http://", "https://")
SECRET_PREFIX = "secret://"


def is_remote(value: str) -> bool:
    return value.startswith(_REMOTE_PREFIXES)


def resolve_path(value: str, base_dir: Path) -> str:
    """``value`` joined onto ``base_dir`` (normalised) unless empty, absolute, a URL or a secret ref."""
    if not value or is_remote(value) or value.startswith(SECRET_PREFIX) or Path(value).is_absolute():
        return value
    return os.path.normpath(base_dir / value)


def resolve_command(value: str, base_dir: Path) -> str:
    """A bare command name is looked up on PATH; ``./x`` or ``dir/x`` is a path."""
    if value.startswith(".") or os.sep in value or "/" in value:
        return resolve_path(value, base_dir)
    return value


def resolve_dir(value: str | None, default: str, base_dir: Path) -> Path:
    return Path(resolve_path(value or default, base_dir))
