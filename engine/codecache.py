"""A persistent cache for the code CPython compiles while dataclasses are being created.

Each ``@dataclass`` writes the source of its ``__init__``, ``__repr__``, ``__eq__`` (and, when
frozen, ``__setattr__``/``__delattr__``) and compiles it with ``exec`` at import time: about
1.4 ms a class. Serving the root config creates ~150 of them (ours and Litestar's), a quarter of
the time to ``/ready``. The source text is the same from one start to the next, so, as ``.pyc``
files do for modules, the compiled code is kept between starts: keyed by the exact source, in a
file named after the interpreter's cache tag. A miss compiles exactly as ``exec`` would (no
inherited ``__future__`` flags, filename ``<string>``), so classes come out the same either way.

The cache is installed only around startup (``with dataclass_code_cache(path):``) by shadowing
the ``exec`` that the ``dataclasses`` module looks up; on Pythons that build dataclasses some
other way it is simply never consulted. Any problem reading or writing the file (missing,
corrupt, another user's, read-only directory) means no cache, never an error.
"""

from __future__ import annotations

import builtins
import dataclasses
import marshal
import os
import sys
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from types import CodeType
from typing import Any

# Bound on entries kept: a start needs under a thousand; older entries beyond this are dropped.
MAX_ENTRIES = 4096


def default_path() -> Path | None:
    """``$XDG_CACHE_HOME/gestaltd`` (else ``~/.cache/gestaltd``), one file per interpreter."""
    tag = sys.implementation.cache_tag
    if tag is None:
        return None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    if not os.path.isabs(base):
        return None  # no home directory to speak of: no cache rather than one in the working directory
    return Path(base) / "gestaltd" / f"dataclass-code.{tag}.marshal"


class CodeCache:
    """Source text → compiled module code, loaded from and saved to one file."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.codes: dict[str, CodeType] = _load(path) if path is not None else {}
        self.used: dict[str, CodeType] = {}
        self.misses = 0

    def exec(
        self, source: Any, globals: dict[str, Any] | None = None, locals: Mapping[str, Any] | None = None
    ) -> None:
        """``exec`` with a cache in front of ``compile`` for source text."""
        if isinstance(source, str):
            code = self.codes.get(source)
            if code is None:
                code = compile(source, "<string>", "exec", dont_inherit=True)
                self.codes[source] = code
                self.misses += 1
            self.used[source] = code
            source = code
        builtins.exec(source, globals, locals)

    def save(self) -> None:
        """Write the file if this run compiled something new (atomically; failures ignored)."""
        if self.path is None or not self.misses:
            return
        keep = self.codes if len(self.codes) <= MAX_ENTRIES else self.used
        try:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".dataclass-code-")
            try:
                with os.fdopen(fd, "wb") as out:
                    marshal.dump(keep, out)
                os.replace(tmp, self.path)
            except BaseException:
                os.unlink(tmp)
                raise
        except (OSError, ValueError):
            return


@contextmanager
def dataclass_code_cache(path: Path | None) -> Iterator[CodeCache]:
    """Serve ``dataclasses``' compilations from the cache at ``path`` while the block runs."""
    cache = CodeCache(path)
    shadowed = "exec" in vars(dataclasses)
    if not shadowed:
        dataclasses.exec = cache.exec  # type: ignore[attr-defined]
    try:
        yield cache
    finally:
        if not shadowed:
            del dataclasses.exec  # type: ignore[attr-defined]
        cache.save()


def _load(path: Path) -> dict[str, CodeType]:
    """The cached entries, or nothing when the file is missing, unreadable, corrupt or not ours."""
    try:
        with path.open("rb") as handle:
            if os.fstat(handle.fileno()).st_uid != os.getuid():
                return {}
            data = marshal.load(handle)
    except (OSError, EOFError, ValueError, TypeError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, CodeType)}
