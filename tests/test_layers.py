"""The shape of ``engine/``'s import graph: layers import downward only, no package or module
imports itself back, and only ``engine/egress/`` speaks HTTP.

``LAYERS`` is the one written-down order (ARCHITECTURE.md draws the same). A package may import
packages of lower layers only; packages that share a layer are siblings and import neither way.
Every import counts, including those inside functions (lazy imports of optional stacks) and under
``TYPE_CHECKING``: a dependency is a dependency even when it is paid for late.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ENGINE = Path(__file__).resolve().parents[1] / "engine"

# Top to bottom; "engine" is the package root (``engine/__init__.py``: the version, nothing else).
LAYERS: tuple[tuple[str, ...], ...] = (
    ("cli", "client"),  # the programs: gestaltd's commands; gestalt, the client CLI
    ("serve", "app_import"),  # what the commands run: Granian serving; ``gestaltd import``
    ("bootstrap",),  # the composition root
    ("web", "mcp", "bindings"),  # the surfaces
    ("surface",),  # the neutral toolkit every surface shares
    ("invocation",),  # the broker
    ("auth",),  # who is calling; OAuth for integrations
    ("providers", "documents"),  # compiled operations bound to the client; the documents stage
    (
        "egress",
        "store",
        "secrets",
        "compiler",
    ),  # the outbound client, persistence, secrets; the pure compiler
    ("crypto", "telemetry"),
    ("config", "catalog"),  # files → specs; catalogue manifests → provider files (pure)
    ("errors",),
    ("engine",),
)

# Outbound HTTP goes through engine/egress/ only (ARCHITECTURE rule 12). engine/client/ is
# ``gestalt``, a program of its own that talks to gestaltd over HTTP and imports nothing of the
# server: its httpx is no outbound client of the server.
HTTP_CLIENTS = ("httpx", "httpx2", "aiohttp", "requests", "urllib.request", "mcp.client")
MAY_SPEAK_HTTP = ("egress", "client")

Edge = tuple[str, str]  # (importing module, imported module), dotted names under ``engine``


def modules(root: Path) -> dict[str, Path]:
    """Dotted module name → file, for every module of the package at ``root``."""
    out: dict[str, Path] = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def imported(module: str, path: Path, known: dict[str, Path]) -> Iterator[str]:
    """The dotted names the module imports: ``from a import b`` is the module ``a.b`` when there is
    one, else ``a`` (a name defined there); a parent package's own ``__init__`` is not an import."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0]
                base = f"{anchor}.{base}" if base else anchor
            for alias in node.names:
                yield f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base


def import_graph(root: Path) -> dict[str, set[str]]:
    """Module → the modules of the same package it imports (itself excluded)."""
    known = modules(root)
    graph: dict[str, set[str]] = {}
    for module, path in known.items():
        targets = set()
        for name in imported(module, path, known):
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name and name != module:
                targets.add(name)
        graph[module] = targets
    return graph


def package_of(module: str) -> str:
    """``engine.web.app`` → ``web``; ``engine.cli`` → ``cli``; the root ``engine`` → ``engine``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one node (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def package_graph(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for module, targets in graph.items():
        here = package_of(module)
        out.setdefault(here, set()).update(package_of(t) for t in targets if package_of(t) != here)
    return out


def upward_imports(graph: dict[str, set[str]], layers: tuple[tuple[str, ...], ...]) -> list[str]:
    """Each import of a package from the same or a higher layer, or of one in no layer at all."""
    rank = {package: i for i, layer in enumerate(layers) for package in layer}
    problems: list[str] = []
    for module, targets in sorted(graph.items()):
        here = package_of(module)
        if here not in rank:
            problems.append(f"{module}: package {here!r} is in no layer")
            continue
        for target in sorted(targets):
            there = package_of(target)
            if there != here and rank.get(there, -1) <= rank[here]:
                problems.append(f"{module} imports {target} ({here} → {there})")
    return problems


def http_client_imports(root: Path, clients: tuple[str, ...], allowed: tuple[str, ...]) -> list[str]:
    """Modules outside the ``allowed`` packages that import an HTTP client library."""
    found: list[str] = []
    for module, path in sorted(modules(root).items()):
        if package_of(module) in allowed:
            continue
        for name in _absolute_names(path):
            if any(name == c or name.startswith(c + ".") for c in clients):
                found.append(f"{module}: {name}")
    return found


def _absolute_names(path: Path) -> Iterator[str]:
    """``import a.b`` → ``a.b``; ``from a import b`` → ``a`` and ``a.b`` (``b`` may be a module)."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def test_no_package_imports_another_back() -> None:
    assert cycles(package_graph(import_graph(ENGINE))) == []


def test_no_module_imports_itself_back() -> None:
    assert cycles(import_graph(ENGINE)) == []


def test_layers_import_downward_only() -> None:
    assert upward_imports(import_graph(ENGINE), LAYERS) == []


def test_only_egress_imports_an_http_client() -> None:
    assert http_client_imports(ENGINE, HTTP_CLIENTS, MAY_SPEAK_HTTP) == []


# The checks above pass on the real tree only if they can fail: each one, on a small package
# made to break it.


def _package(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / "pkg" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    for directory in [root / "pkg", *(p for p in (root / "pkg").rglob("*") if p.is_dir())]:
        (directory / "__init__.py").touch()
    return root / "pkg"


def test_a_cycle_through_a_lazy_import_is_found(tmp_path: Path) -> None:
    root = _package(
        tmp_path,
        {
            "low/a.py": "from pkg.high.b import thing\n",
            "high/b.py": "def thing():\n    from pkg.low import a\n",
        },
    )
    graph = import_graph(root)
    assert cycles(graph) == [["pkg.high.b", "pkg.low.a"]]
    assert cycles(package_graph(graph)) == [["high", "low"]]
    assert upward_imports(graph, (("high",), ("low",), ("pkg",))) == [
        "pkg.low.a imports pkg.high.b (low → high)"
    ]


def test_siblings_and_unplaced_packages_are_reported(tmp_path: Path) -> None:
    root = _package(
        tmp_path,
        {
            "web/app.py": "import typing\nif typing.TYPE_CHECKING:\n    from pkg.mcp import server\n",
            "mcp/server.py": "",
            "stray.py": "from . import web\n",
        },
    )
    assert upward_imports(import_graph(root), (("web", "mcp"), ("pkg",))) == [
        "pkg.stray: package 'stray' is in no layer",
        "pkg.web.app imports pkg.mcp.server (web → mcp)",
    ]


def test_an_http_client_outside_egress_is_found(tmp_path: Path) -> None:
    root = _package(
        tmp_path,
        {
            "egress/client.py": "import httpx\n",
            "auth/idp.py": "def fetch():\n    from urllib import request\n",
        },
    )
    assert http_client_imports(root, HTTP_CLIENTS, MAY_SPEAK_HTTP) == ["pkg.auth.idp: urllib.request"]


def test_architecture_md_draws_the_same_layers() -> None:
    """The layer table of ARCHITECTURE.md names the same packages, layer by layer."""
    text = (ENGINE.parent / "ARCHITECTURE.md").read_text(encoding="utf-8")
    table = text.split("## Layers", 1)[1].split("\n\n")[2]
    cells = [re.sub(r"\(.*?\)", "", row.split("|")[2]) for row in table.splitlines()[2:]]
    drawn = [tuple(re.findall(r"`(\w+)`", cell)) for cell in cells]
    assert drawn == [tuple(layer) for layer in LAYERS]


@pytest.mark.parametrize("package", sorted({p for layer in LAYERS for p in layer}))
def test_every_layer_names_a_package_once(package: str) -> None:
    assert sum(layer.count(package) for layer in LAYERS) == 1
