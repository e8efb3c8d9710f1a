"""Reading a manifest so that nothing is dropped silently: every mapping is read through ``Fields``,
which remembers the keys the translation used; ``finish`` turns every other key into a ``Loss``."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

NO_EQUIVALENT = "no equivalent in gestaltd's format"


@dataclass(frozen=True, slots=True)
class Loss:
    """One manifest field the written file does not carry (or carries only approximately)."""

    path: str
    note: str

    def __str__(self) -> str:
        return f"{self.path}: {self.note}"


@dataclass
class Losses:
    items: list[Loss] = field(default_factory=list)

    def add(self, path: str, note: str) -> None:
        self.items.append(Loss(path, note))


class Fields:
    """A mapping of the manifest at ``path``, read key by key."""

    def __init__(self, data: Any, path: str, losses: Losses, notes: Mapping[str, str] | None = None) -> None:
        self.data: Mapping[str, Any] = data if isinstance(data, Mapping) else {}
        self.path = path
        self.losses = losses
        self.notes = notes or {}
        self._read: set[str] = set()
        if data is not None and not isinstance(data, Mapping):
            losses.add(path, f"expected a mapping, found {type(data).__name__}: left out")

    def __contains__(self, key: str) -> bool:
        return key in self.data

    def at(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def take(self, key: str, default: Any = None) -> Any:
        self._read.add(key)
        return self.data.get(key, default)

    def text(self, key: str) -> str:
        value = self.take(key)
        if value is None:
            return ""
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            self.losses.add(self.at(key), f"expected text, found {type(value).__name__}: left out")
            return ""
        return str(value)

    def child(self, key: str, notes: Mapping[str, str] | None = None) -> Fields:
        return Fields(self.take(key), self.at(key), self.losses, notes)

    def children(self, key: str) -> Iterator[tuple[str, Fields]]:
        """The entries of a mapping of mappings (``connections``, ``allowedOperations``)."""
        holder = self.child(key)
        for name in holder.data:
            yield str(name), holder.child(str(name))
        holder.finish()

    def items(self, key: str) -> Iterator[Fields]:
        """The entries of a list of mappings (``operations``, ``parameters``)."""
        value = self.take(key) or []
        if not isinstance(value, list):
            self.losses.add(self.at(key), f"expected a list, found {type(value).__name__}: left out")
            return
        for index, entry in enumerate(value):
            yield Fields(entry, f"{self.at(key)}[{index}]", self.losses)

    def drop(self, key: str, note: str) -> None:
        """Record ``key`` as not expressible, when the manifest sets it."""
        if key in self.data:
            self._read.add(key)
            self.losses.add(self.at(key), note)

    def lose(self, note: str) -> None:
        """The whole mapping is not expressible: one loss for it, none for its keys."""
        self.skip()
        self.losses.add(self.path, note)

    def skip(self) -> None:
        """Every key counts as read (a loss recorded elsewhere already covers them)."""
        self._read.update(str(k) for k in self.data)

    def finish(self) -> None:
        for key in self.data:
            if key not in self._read:
                self.losses.add(self.at(str(key)), self.notes.get(str(key), NO_EQUIVALENT))


_INDEX = re.compile(r"\[\d+\]")


def summarised(losses: Iterable[Loss]) -> list[str]:
    """One line per note: the paths it applies to, list indices folded into ``[*]`` with a count."""
    by_note: dict[str, dict[str, int]] = {}
    for loss in losses:
        paths = by_note.setdefault(loss.note, {})
        general = _INDEX.sub("[*]", loss.path) or "(manifest)"
        paths[general] = paths.get(general, 0) + 1
    lines = []
    for note, paths in by_note.items():
        where = ", ".join(p if n == 1 else f"{p} ({n}×)" for p, n in paths.items())
        lines.append(f"{where}: {note}")
    return lines
