from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from engine.config import ConfigIssue, load
from engine.errors import ConfigError

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "config"
CORPUS = Path("/work/shared/corpus")


def config_issues(path: Path, env: Mapping[str, str] | None = None) -> list[ConfigIssue]:
    """The issues ``load`` raises (empty when the config is valid)."""
    try:
        load(path, env={} if env is None else env)
    except ConfigError as exc:
        return [i for i in exc.issues if isinstance(i, ConfigIssue)]
    return []


@pytest.fixture
def write_config(tmp_path: Path) -> Callable[[str], Path]:
    def write(text: str, name: str = "gestalt.yaml") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    return write
