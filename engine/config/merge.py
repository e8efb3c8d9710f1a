"""Merge ``integrations:``/``bindings:`` of gestalt.yaml with ``providers.d``/``bindings.d`` files."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from engine.config.issues import ConfigIssue, display_path
from engine.config.yaml_tree import Document, escape

NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


@dataclass(frozen=True)
class Entry:
    """One integration or binding body, wherever it was written."""

    kind: str  # "integration" | "binding"
    name: str
    document: Document
    pointer: str  # "" for a providers.d / bindings.d file

    @property
    def data(self) -> dict[str, Any]:
        found: Any = self.document.data if not self.pointer else _at(self.document.data, self.pointer)
        return found if isinstance(found, dict) else {}

    def issue(self, relative: str, message: str) -> ConfigIssue:
        return self.document.issue(self.pointer + relative, message)

    def position(self, relative: str = "") -> tuple[int, int]:
        return self.document.source.position(self.pointer + relative)

    def place(self) -> str:
        line, col = self.position()
        return f"{display_path(self.document.path)}:{line}:{col}"


def _at(data: Any, pointer: str) -> Any:
    for token in pointer.split("/")[1:]:
        key = token.replace("~1", "/").replace("~0", "~")
        data = data.get(key) if isinstance(data, dict) else None
    return data


def inline_entries(main: Document, section: str, kind: str) -> list[Entry]:
    """The entries written under ``section`` of gestalt.yaml."""
    body = main.data.get(section) if isinstance(main.data, dict) else None
    if not isinstance(body, dict):
        return []
    return [Entry(kind, name, main, f"/{section}/{escape(name)}") for name in body]


def file_entries(documents: Iterable[Document], kind: str) -> tuple[list[Entry], list[ConfigIssue]]:
    """One entry per file, named by its stem; stems that are not valid names are issues."""
    entries: list[Entry] = []
    issues: list[ConfigIssue] = []
    for document in documents:
        name = document.path.stem
        if not NAME_PATTERN.match(name):
            message = f'file name "{name}" is not a valid {kind} name (must match {NAME_PATTERN.pattern})'
            issues.append(ConfigIssue(document.path, 1, 1, message))
            continue
        entries.append(Entry(kind, name, document, ""))
    return entries, issues


def merge(entries: Iterable[Entry]) -> tuple[dict[str, Entry], list[ConfigIssue]]:
    """Entries by name; a name defined twice is an issue at the second place naming the first."""
    merged: dict[str, Entry] = {}
    issues: list[ConfigIssue] = []
    for entry in entries:
        first = merged.get(entry.name)
        if first is None:
            merged[entry.name] = entry
            continue
        message = f'{entry.kind} "{entry.name}" is defined twice: here and at {first.place()}'
        issues.append(entry.issue("", message))
    return merged, issues
