"""How results reach stdout: aligned tables for people, JSON for scripts (``--format``)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, TextIO

Columns = Sequence[tuple[str, str]]
"""(key in each row, column heading)."""


def emit(out: TextIO, fmt: str, doc: Any, rows: Sequence[Mapping[str, Any]] | None, columns: Columns) -> None:
    """``doc`` as JSON, or ``rows`` as a table (``doc`` itself when it is the list of rows)."""
    if fmt == "json":
        out.write(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
        return
    out.write(table(rows if rows is not None else doc, columns))


def table(rows: Sequence[Mapping[str, Any]], columns: Columns) -> str:
    if not rows:
        return "(none)\n"
    cells = [[heading for _, heading in columns]]
    cells += [[_cell(row.get(key)) for key, _ in columns] for row in rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(columns))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip() for line in cells]
    return "\n".join(lines) + "\n"


def pairs(items: Sequence[tuple[str, Any]]) -> str:
    """A two-column ``key: value`` block (whoami, describe's header)."""
    width = max((len(k) for k, _ in items), default=0)
    return "".join(f"{(k + ':').ljust(width + 1)} {_cell(v)}\n" for k, v in items)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return ", ".join(_cell(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return " ".join(str(value).split())
