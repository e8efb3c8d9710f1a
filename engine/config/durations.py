"""Durations as the reference writes them: ``30d`` (whole days) or Go syntax (``720h``, ``1h30m``)."""

from __future__ import annotations

import re
from datetime import timedelta

_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")
_DAYS = re.compile(r"^(\d+)d$")


def parse_duration(text: str) -> timedelta:
    """Parse a positive duration; ``ValueError`` with the reference's wording otherwise."""
    if text.endswith("d"):
        match = _DAYS.match(text)
        if not match or int(match.group(1)) <= 0:
            raise ValueError(f'invalid day duration "{text}": expected a positive whole number of days')
        return timedelta(days=int(match.group(1)))
    seconds = _go_duration(text)
    if seconds <= 0:
        raise ValueError(f'duration must be positive, got "{text}"')
    return timedelta(seconds=seconds)


def _go_duration(text: str) -> float:
    body = text[1:] if text[:1] in "+-" else text
    position, total = 0, 0.0
    while position < len(body):
        match = _PART.match(body, position)
        if not match:
            raise ValueError(f'time: invalid duration "{text}"')
        total += float(match.group(1)) * _UNITS[match.group(2)]
        position = match.end()
    if not body and text != "0":
        raise ValueError(f'time: invalid duration "{text}"')
    return -total if text.startswith("-") else total
