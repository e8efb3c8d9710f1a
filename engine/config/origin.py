"""Where a spec came from (a file and a node in it), for issues that point there."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a spec came from: a file and the JSON pointer of the node inside it."""

    file: Path
    pointer: str = ""
    line: int = 0
    col: int = 0

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"
