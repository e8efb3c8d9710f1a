"""One config problem with its place in a file, and the three report formats of ``validate``."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

FORMATS = ("text", "json", "github")


@dataclass(frozen=True, slots=True, order=True)
class ConfigIssue:
    """``file:LINE:COL: message (at /json/pointer)``; line and col are 1-based, 0 when unknown."""

    file: Path
    line: int
    col: int
    message: str
    pointer: str = ""

    @property
    def display_file(self) -> str:
        return display_path(self.file)

    def __str__(self) -> str:
        where = f"{self.display_file}:{self.line}:{self.col}"
        at = f" (at {self.pointer})" if self.pointer else ""
        return f"{where}: {self.message}{at}"


def display_path(path: Path) -> str:
    """The path relative to the working directory when it lies below it, else as given."""
    try:
        return os.path.relpath(path) if Path(path).resolve().is_relative_to(Path.cwd()) else str(path)
    except (OSError, ValueError):
        return str(path)


def sorted_issues(issues: Iterable[ConfigIssue]) -> list[ConfigIssue]:
    """Unique issues ordered by file, then position."""
    return sorted(set(issues), key=lambda i: (str(i.file), i.line, i.col, i.message, i.pointer))


def render_issues(issues: Iterable[ConfigIssue], fmt: str = "text") -> str:
    """Render issues as ``text`` (one per line), ``json`` or ``github`` workflow commands."""
    items = sorted_issues(issues)
    if fmt == "text":
        return "\n".join(str(i) for i in items)
    if fmt == "json":
        return json.dumps({"valid": not items, "errors": [_as_json(i) for i in items]}, indent=2)
    if fmt == "github":
        return "\n".join(_as_github(i) for i in items)
    raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")


def _as_json(issue: ConfigIssue) -> dict[str, object]:
    return {
        "file": issue.display_file,
        "line": issue.line,
        "col": issue.col,
        "message": issue.message,
        "pointer": issue.pointer,
    }


def _as_github(issue: ConfigIssue) -> str:
    # Workflow-command escaping: %, CR and LF in the message; also , and : in properties.
    message = _escape(issue.message + (f" (at {issue.pointer})" if issue.pointer else ""))
    file = _escape(issue.display_file).replace(",", "%2C").replace(":", "%3A")
    return f"::error file={file},line={issue.line},col={issue.col}::{message}"


def _escape(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
