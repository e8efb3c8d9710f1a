"""The reference's validation cases and the translated provider corpus."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from engine.config import load, render_issues

from .conftest import CORPUS, config_issues

VALIDATION = CORPUS / "b94a3b11" / "validation"
pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not available")


def _cases(name: str) -> list[dict[str, Any]]:
    if not VALIDATION.is_dir():
        return []
    cases: list[dict[str, Any]] = json.loads((VALIDATION / name).read_text())["cases"]
    return cases


def _template() -> str:
    template: str = json.loads((VALIDATION / "e2e_invalid_plugin_cases.json").read_text())["config_template"]
    return template


@pytest.mark.parametrize("case", _cases("config_load_cases.json"), ids=lambda c: c["name"])
def test_config_load_case(case: dict[str, Any], write_config: Callable[[str], Path]) -> None:
    issues = config_issues(write_config(case["yaml"]))
    assert bool(issues) == case["want_error"], render_issues(issues)


@pytest.mark.parametrize("case", _cases("e2e_invalid_plugin_cases.json"), ids=lambda c: c["name"])
def test_e2e_invalid_plugin_case(case: dict[str, Any], write_config: Callable[[str], Path]) -> None:
    plugin = case["plugin_yaml"].replace("\n", "\n      ")
    issues = config_issues(write_config(_template().replace("{plugin}", plugin)))
    assert case["want_error_substring"] in render_issues(issues)


@pytest.mark.parametrize("path", sorted((CORPUS / "translated").glob("*.yaml")), ids=lambda p: p.stem)
def test_translated_corpus_loads(path: Path) -> None:
    spec = load(path, env={})
    assert spec.integrations
    for integration in spec.integrations.values():
        assert integration.origin is not None and integration.origin.file == path
        # Relative paths resolve against the file's directory (../app/... lands in the corpus).
        assert Path(integration.icon_file).is_absolute()
        assert Path(integration.icon_file).is_relative_to(CORPUS)
        if integration.plugin.openapi and not integration.plugin.openapi.startswith("http"):
            assert Path(integration.plugin.openapi).exists()


def test_unset_client_id_is_empty() -> None:
    spec = load(CORPUS / "translated" / "gcs.yaml", env={})
    auth = spec.integrations["gcs"].plugin.auth
    assert auth is not None and auth.client_id == "" and auth.type == "oauth2"


def test_client_id_from_env() -> None:
    spec = load(CORPUS / "translated" / "gcs.yaml", env={"GCS_CLIENT_ID": "abc"})
    auth = spec.integrations["gcs"].plugin.auth
    assert auth is not None and auth.client_id == "abc"
