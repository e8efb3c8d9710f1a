"""Tool names: ``mcp_tool_prefix`` + operation, else ``<integration>_<operation>``, fitted to MCP's
character set ``[A-Za-z0-9_-]`` and 128 characters (a stable hashed suffix keeps long names unique)."""

from __future__ import annotations

import hashlib
import re

MAX_NAME = 128
_INVALID = re.compile(r"[^A-Za-z0-9_-]")
_DIGEST = 8


def tool_name(prefix: str, integration: str, operation: str) -> str:
    raw = f"{prefix}{operation}" if prefix else f"{integration}_{operation}"
    name = _INVALID.sub("_", raw)
    if len(name) <= MAX_NAME:
        return name
    return with_suffix(name, raw)


def with_suffix(name: str, key: str) -> str:
    """``name`` cut to fit, plus ``_`` and a digest of ``key``: stable across restarts."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:_DIGEST]
    return f"{name[: MAX_NAME - _DIGEST - 1]}_{digest}"


def unique_names(wanted: list[tuple[str, str]]) -> list[str]:
    """Names for (wanted name, identity key) pairs; a later duplicate gets a suffix from its key."""
    seen: set[str] = set()
    out: list[str] = []
    for name, key in wanted:
        final = name if name not in seen else with_suffix(name, key)
        seen.add(final)
        out.append(final)
    return out
