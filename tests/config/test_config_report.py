"""The validate report: every issue, in text, json and github formats."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from syrupy.assertion import SnapshotAssertion

from engine.config import ConfigIssue, render_issues

from .conftest import FIXTURES, REPO, config_issues


@pytest.fixture
def multi_error_issues(monkeypatch: pytest.MonkeyPatch) -> list[ConfigIssue]:
    monkeypatch.chdir(REPO)
    return config_issues(FIXTURES / "multi_error" / "gestalt.yaml")


def test_text_report(multi_error_issues: list[ConfigIssue], snapshot: SnapshotAssertion) -> None:
    assert render_issues(multi_error_issues, "text") == snapshot


def test_json_report(multi_error_issues: list[ConfigIssue], snapshot: SnapshotAssertion) -> None:
    report = json.loads(render_issues(multi_error_issues, "json"))
    assert report["valid"] is False
    assert report == snapshot


def test_json_report_when_valid() -> None:
    assert json.loads(render_issues([], "json")) == {"valid": True, "errors": []}


def test_issue_str_and_github_format(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    issue = ConfigIssue(tmp_path / "conf" / "g.yaml", 3, 5, 'unknown key "x"\n100%', "/server/x")
    assert str(issue) == 'conf/g.yaml:3:5: unknown key "x"\n100% (at /server/x)'
    assert render_issues([issue], "github") == (
        '::error file=conf/g.yaml,line=3,col=5::unknown key "x"%0A100%25 (at /server/x)'
    )


def test_unknown_format() -> None:
    with pytest.raises(ValueError, match="unknown format"):
        render_issues([], "xml")
