"""``gestaltd import`` on every app of the corpus: import → validate → serve → the operations that
``index.json`` counts; snapshots of a few written files."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from syrupy.assertion import SnapshotAssertion

from engine.cli import main
from tests.support.configs import write_config
from tests.support.server import served

CORPUS = Path("/work/shared/corpus")
APPS = sorted(p.name for p in (CORPUS / "app").iterdir()) if (CORPUS / "app").is_dir() else []
pytestmark = pytest.mark.skipif(not APPS, reason="shared corpus not present")


@pytest.fixture(autouse=True)
def _document_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GESTALT_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "document-cache"))


def expected_operations(app: str) -> int:
    """The operations ``index.json`` says the app exposes: its REST operations, or its OpenAPI
    document's after ``allowedOperations``; an MCP-only app lists none until a user connects."""
    facts: dict[str, Any] = json.loads((CORPUS / "index.json").read_text())["apps"][app]
    if "rest" in facts:
        return int(facts["rest"]["operations"])
    if "openapi" in facts:
        return int(facts["openapi"]["b94a3b11_expected"]["exposed_operations"])
    return 0


def _config(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    return write_config(root, {})


@pytest.mark.parametrize("app", APPS)
def test_each_app_imports_and_validates(app: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = _config(tmp_path)
    assert main(["import", str(CORPUS / "app" / app), "--config", str(config)]) == 0, capsys.readouterr()
    out = capsys.readouterr().out
    written = tmp_path / "providers.d" / f"{app}.yaml"
    assert (
        f"{written.relative_to(Path.cwd()) if written.is_relative_to(Path.cwd()) else written}: written"
        in out
    )
    counted = re.search(r": ok \(1 integrations, (\d+) operations", out)
    assert counted is not None, out
    assert int(counted.group(1)) == expected_operations(app)
    assert (tmp_path / "providers.d" / app / "icon.svg").is_file()
    text = written.read_text()
    assert text.startswith("# yaml-language-server: $schema=")
    header = " ".join(line.strip("# -") for line in text.splitlines() if line.startswith("#"))
    for note in re.findall(r"  not expressible: (.*)", out):
        assert " ".join(note.split()) in " ".join(header.split())  # what is printed is what the file says


def test_every_app_serves_with_its_operations(tmp_path: Path) -> None:
    config = _config(tmp_path)
    for app in APPS:
        assert (
            main(["import", str(CORPUS / "app" / app), "--providers-dir", str(tmp_path / "providers.d")]) == 0
        )
    with served(config, timeout=60) as server:
        listed = {i["name"]: i for i in httpx.get(server.url + "/api/v1/integrations").json()}
        assert sorted(listed) == APPS
        for app in APPS:
            operations = httpx.get(f"{server.url}/api/v1/integrations/{app}/operations").json()
            assert len(operations) == expected_operations(app), app
            assert listed[app]["icon_svg"].lstrip().startswith("<")


@pytest.mark.parametrize("app", ["jira", "notion", "granola", "slack"])
def test_written_file(app: str, tmp_path: Path, snapshot: SnapshotAssertion) -> None:
    assert main(["import", str(CORPUS / "app" / app), "--providers-dir", str(tmp_path)]) == 0
    text = (tmp_path / f"{app}.yaml").read_text()
    assert text.split("\n", 1)[1] == snapshot  # the first line holds a path to this checkout's schema


def test_refuses_to_overwrite_and_reports_a_bad_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = CORPUS / "app" / "httpbin"
    assert main(["import", str(source), "--providers-dir", str(tmp_path)]) == 0
    assert main(["import", str(source), "--providers-dir", str(tmp_path)]) == 1
    assert "exists already (--force replaces it)" in capsys.readouterr().err
    assert main(["import", str(source), "--providers-dir", str(tmp_path), "--force"]) == 0
    assert main(["import", str(tmp_path), "--providers-dir", str(tmp_path)]) == 1
    assert "manifest.yaml: not found" in capsys.readouterr().err


def test_the_readme_example(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Importing catalogue apps", 1)[1]
    line = next(x for x in section.splitlines() if x.startswith("gestaltd import "))
    words = line.replace("path/to/gestalt-providers/app", str(CORPUS / "app")).split()[2:]
    config = _config(tmp_path)
    words = [str(config) if w == "gestalt.yaml" else w for w in words]
    assert main(["import", *words]) == 0
    assert "gestalt.yaml: ok (1 integrations, 11 operations" in capsys.readouterr().out
    assert (tmp_path / "providers.d" / "jira" / "icon.svg").is_file()
