"""The compiler is pure: it imports neither the outbound client nor the stages around it, nor
anything that does network I/O (documents are read before compiling, calls run in providers)."""

from __future__ import annotations

import ast
from pathlib import Path

COMPILER = Path(__file__).resolve().parents[2] / "engine" / "compiler"
FORBIDDEN = ("engine.egress", "engine.documents", "engine.providers", "asyncio", "socket", "urllib.request")


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_the_compiler_imports_no_io_and_no_later_stage() -> None:
    found = {
        f"{path.name}: {name}"
        for path in sorted(COMPILER.glob("*.py"))
        for name in imported(path)
        if name.startswith(FORBIDDEN)
    }
    assert found == set()
