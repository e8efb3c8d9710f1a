"""Every self-contained corpus app validates; snapshots of a few compiled operation lists."""

from __future__ import annotations

from pathlib import Path

import pytest
from syrupy.assertion import SnapshotAssertion

from engine.bootstrap import load_config
from engine.cli import main
from engine.compiler.openapi import compile_openapi
from engine.documents.sources import load_sources

CORPUS = Path("/work/shared/corpus")
APPS = sorted(
    p.name for p in (CORPUS / "app").iterdir() if (CORPUS / "translated" / f"{p.name}.yaml").is_file()
)
pytestmark = pytest.mark.skipif(not APPS, reason="shared corpus not present")


def _config(app: str) -> Path:
    return CORPUS / "translated" / f"{app}.yaml"


def _has_mcp(app: str) -> bool:
    return "mcp_url:" in _config(app).read_text()


@pytest.mark.parametrize("app", [a for a in APPS if not _has_mcp(a)])
def test_corpus_app_validates(app: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--config", str(_config(app))]) == 0, capsys.readouterr().out


@pytest.mark.parametrize("app", [a for a in APPS if _has_mcp(a)])
def test_spec_part_of_mcp_apps_compiles(app: str) -> None:
    """``mcp_url`` surfaces belong to the upstream-MCP compiler; here only the OpenAPI part."""
    config = load_config(_config(app))
    spec = config.integrations[app]
    if not spec.plugin.openapi:
        pytest.skip("MCP-only app")
    provider, issues = compile_openapi(spec, load_sources(config))
    assert not issues and provider is not None and provider.operations


@pytest.mark.parametrize("app", ["granola", "teams", "trunk"])
def test_compiled_operation_list(app: str, snapshot: SnapshotAssertion) -> None:
    config = load_config(_config(app))
    provider, issues = compile_openapi(config.integrations[app], load_sources(config))
    assert provider is not None, issues
    listing = [
        {
            "name": op.name,
            "method": op.method,
            "path": op.path,
            "parameters": [
                f"{p.name}@{p.location}" + (f"={p.wire_name}" if p.wire_name else "") for p in op.parameters
            ],
        }
        for op in provider.operations.values()
    ]
    assert listing == snapshot
