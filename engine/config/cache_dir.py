"""Where gestaltd keeps what it can always rebuild: ``$GESTALT_CACHE_DIR``, else
``$XDG_CACHE_HOME/gestaltd``, else ``~/.cache/gestaltd`` (the XDG base directory convention).

Every entry is named by the SHA-256 of what it was made from (parsed spec documents, schema-check
memos), so configs may share the directory, an entry is never stale, and deleting it is safe.
"""

from __future__ import annotations

import os
from pathlib import Path

CACHE_ENV = "GESTALT_CACHE_DIR"


def cache_dir() -> Path | None:
    """The cache directory, or None when there is no usable one (no home directory to speak of:
    no cache, rather than one in the working directory). A relative ``XDG_CACHE_HOME`` is ignored,
    as the XDG specification asks."""
    explicit = os.environ.get(CACHE_ENV)
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    base = xdg if os.path.isabs(xdg) else os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "gestaltd" if os.path.isabs(base) else None
