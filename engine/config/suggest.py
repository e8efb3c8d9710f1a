"""Near-match hints for a misspelt name ("did you mean …?"), for config keys and request fields alike."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def closest(name: str, choices: Iterable[str]) -> str | None:
    """The choice ``name`` most likely meant (case ignored), or None when nothing is close."""
    by_lower = {c.lower(): c for c in choices}
    if name.lower() in by_lower:
        return by_lower[name.lower()]
    found = difflib.get_close_matches(name.lower(), list(by_lower), n=1, cutoff=0.6)
    return by_lower[found[0]] if found else None


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    """`` (did you mean "x"?)`` for a near match, else an empty string."""
    match = closest(name, choices)
    return f' (did you mean "{match}"?)' if match is not None else ""
