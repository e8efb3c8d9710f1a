"""Strict YAML: duplicate keys, unknown keys at depth, syntax errors, dates stay strings."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from engine.config import load

from .conftest import config_issues

NESTED_UNKNOWN = """\
integrations:
  svc:
    plugin:
      base_url: https://api.example.test
      operations:
        - name: list
          method: GET
          path: /items
          parameters:
            - name: q
              location: query
"""


def test_duplicate_key_names_both_lines(write_config: Callable[[str], Path]) -> None:
    issues = config_issues(write_config("server:\n  port: 1\n  host: x\n  port: 2\n"))
    assert len(issues) == 1
    assert (issues[0].line, issues[0].col) == (4, 3)
    assert issues[0].message == 'duplicate key "port": defined at line 2 and line 4'
    assert issues[0].pointer == "/server/port"


def test_unknown_key_at_depth_points_at_the_key(write_config: Callable[[str], Path]) -> None:
    issues = config_issues(write_config(NESTED_UNKNOWN))
    assert [(i.line, i.col, i.message) for i in issues] == [(11, 15, 'unknown key "location"')]
    assert issues[0].pointer == "/integrations/svc/plugin/operations/0/parameters/0/location"


def test_every_error_is_reported(write_config: Callable[[str], Path]) -> None:
    text = "server:\n  port: x\n  bogus: 1\negress:\n  default_action: block\nextra: 1\n"
    lines = sorted(i.line for i in config_issues(write_config(text)))
    assert lines == [2, 3, 5, 6]


def test_syntax_error_has_position(write_config: Callable[[str], Path]) -> None:
    issues = config_issues(write_config("server:\n  port: [1, 2\nauth: {}\n"))
    assert len(issues) == 1
    assert issues[0].message.startswith("invalid YAML:")
    assert issues[0].line >= 2


def test_syntax_messages_name_what_was_found(write_config: Callable[[str], Path]) -> None:
    """libyaml parses; a file that fails is re-read for Python's fuller message."""
    issues = config_issues(write_config("server:\n  port: *missing\n"))
    assert [(i.line, i.col, i.message) for i in issues] == [
        (2, 9, "invalid YAML: found undefined alias 'missing'")
    ]


def test_unknown_tag_is_an_issue_not_a_crash(write_config: Callable[[str], Path]) -> None:
    issues = config_issues(write_config("server:\n  port: !custom 8080\n"))
    assert [(i.line, i.col, i.message) for i in issues] == [
        (2, 9, "invalid YAML: could not determine a constructor for the tag '!custom'")
    ]


def test_dates_stay_strings(write_config: Callable[[str], Path]) -> None:
    text = (
        "integrations:\n  svc:\n    description: 2024-01-01\n    plugin:\n"
        "      base_url: https://x.test\n      headers:\n        Api-Version: 2022-11-28\n"
        "      operations:\n        - {name: a, method: get, path: /a}\n"
    )
    spec = load(write_config(text), env={})
    assert spec.integrations["svc"].description == "2024-01-01"
    assert spec.integrations["svc"].plugin.headers == {"Api-Version": "2022-11-28"}


def test_empty_file_is_a_valid_default_config(write_config: Callable[[str], Path]) -> None:
    spec = load(write_config("# nothing here\n"), env={})
    assert spec.auth.provider == "none" and spec.datastore.provider == "sqlite"
    assert spec.datastore.config["path"] == str(spec.base_dir / "gestalt.db")


def test_missing_file_is_an_issue(tmp_path: Path) -> None:
    issues = config_issues(tmp_path / "absent.yaml")
    assert len(issues) == 1 and issues[0].message.startswith("reading config file:")


def test_empty_scalar_means_unset_but_empty_mapping_is_an_error(
    write_config: Callable[[str], Path],
) -> None:
    assert config_issues(write_config("server:\n  host:\n")) == []
    issues = config_issues(write_config("integrations:\n  svc:\n"))
    assert [(i.line, i.message) for i in issues] == [(2, "expected object, got null")]


def test_wrong_type_message(write_config: Callable[[str], Path]) -> None:
    issues = config_issues(write_config("server:\n  port: eighty\n"))
    assert [(i.line, i.col, i.message) for i in issues] == [(2, 3, "expected integer, got string")]
