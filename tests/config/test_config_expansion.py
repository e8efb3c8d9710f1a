"""``${VAR}`` expansion: ``_FILE`` fallback, ``$$``, comments untouched, line numbers kept."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from engine.config import load
from engine.config.expansion import expand

from .conftest import config_issues

BASE = (
    "integrations:\n  svc:\n    plugin:\n      base_url: https://api.example.test\n"
    "      operations:\n        - {name: a, method: GET, path: /a}\n"
)


def _expand(text: str, env: dict[str, str]) -> str:
    expanded, issues = expand(Path("t.yaml"), text, env)
    assert issues == []
    return expanded.text


def test_braced_variable_is_expanded() -> None:
    assert _expand("a: ${NAME}\n", {"NAME": "x"}) == "a: x\n"


def test_unset_variable_is_empty() -> None:
    assert _expand("a: '${NAME}'\n", {}) == "a: ''\n"


def test_set_but_empty_variable_wins_over_file(tmp_path: Path) -> None:
    (tmp_path / "v").write_text("from-file")
    assert _expand("a: '${NAME}'\n", {"NAME": "", "NAME_FILE": str(tmp_path / "v")}) == "a: ''\n"


def test_file_fallback_strips_trailing_newlines(tmp_path: Path) -> None:
    (tmp_path / "v").write_text("secret-value\r\n\n")
    assert _expand("a: ${NAME}\n", {"NAME_FILE": str(tmp_path / "v")}) == "a: secret-value\n"


def test_unreadable_file_is_an_issue(tmp_path: Path) -> None:
    expanded, issues = expand(Path("t.yaml"), "a: 1\nb: ${NAME}\n", {"NAME_FILE": str(tmp_path / "nope")})
    assert len(issues) == 1
    assert issues[0].line == 2 and "resolving NAME_FILE" in issues[0].message


def test_double_dollar_is_a_literal_dollar() -> None:
    assert _expand("a: $${NAME} $$ $NAME\n", {"NAME": "x"}) == "a: ${NAME} $ $NAME\n"


def test_bare_dollar_variable_is_left_alone() -> None:
    assert _expand("a: $NAME and $ and ${not-a-name}\n", {"NAME": "x"}) == (
        "a: $NAME and $ and ${not-a-name}\n"
    )


def test_comments_are_not_expanded() -> None:
    text = "# uses ${NAME}\na: ${NAME} # ${NAME}\nb: 'x # ${NAME}'\nc: |\n  # ${NAME}\n"
    assert _expand(text, {"NAME": "v"}) == "# uses ${NAME}\na: v # ${NAME}\nb: 'x # v'\nc: |\n  # v\n"


def test_hash_without_preceding_space_is_content() -> None:
    assert _expand("a: x#${NAME}\n", {"NAME": "v"}) == "a: x#v\n"


def test_multiline_value_keeps_later_line_numbers(write_config: Callable[[str], Path]) -> None:
    text = 'server:\n  encryption_key: "${KEY}"\n  port: nope\n'
    issues = config_issues(write_config(text), {"KEY": "line1\nline2\nline3"})
    assert [(i.line, i.message) for i in issues] == [(3, "expected integer, got string")]


def test_expansion_applies_to_loaded_values(write_config: Callable[[str], Path]) -> None:
    path = write_config(BASE.replace("https://api.example.test", "${API}") + "server:\n  port: ${PORT}\n")
    spec = load(path, env={"API": "https://x.test", "PORT": "9000"})
    assert spec.integrations["svc"].plugin.base_url == "https://x.test"
    assert spec.server.port == 9000


def _parsed(text: str, env: dict[str, str]) -> object:
    from engine.config.yaml_tree import parse

    expanded, issues = expand(Path("t.yaml"), text, env)
    document, parse_issues = parse(Path("t.yaml"), expanded)
    assert issues == [] and parse_issues == [] and document is not None
    return document.data


def test_a_whole_value_reads_back_as_exactly_the_variable() -> None:
    """Values holding YAML syntax would change the file's structure if inserted as written: a
    passphrase with ' #' would be cut (and derive another key), a PEM or 'a: b' would break keys."""
    tricky = [
        "pass #word",
        "-----BEGIN KEY-----\nMIIB\n-----END KEY-----",
        "user: admin",
        "*not-an-alias",
        "'quoted'",
        "  padded  ",
        "ends with:",
        'say "hi" \\ bye',
        "- not a list",
    ]
    for value in tricky:
        env = {"V": value}
        assert _parsed("key: ${V}\nnext: 1\n", env) == {"key": value, "next": 1}, value
        assert _parsed("items:\n  - ${V}\n  - x\n", env) == {"items": [value, "x"]}, value
        assert _parsed("items:\n  - name: ${V}  # note\n", env) == {"items": [{"name": value}]}, value


def test_plain_values_are_still_typed_by_yaml() -> None:
    env = {"PORT": "8080", "ON": "true", "SCOPES": "[read, write]", "URL": "https://x.test/a?b=c#frag"}
    text = "port: ${PORT}\non: ${ON}\nscopes: ${SCOPES}\nurl: ${URL}\n"
    assert _parsed(text, env) == {"port": 8080, "on": True, "scopes": ["read", "write"], "url": env["URL"]}


def test_inside_a_string_or_a_block_scalar_the_text_is_substituted_as_is() -> None:
    env = {"V": "pass #word"}
    assert _parsed("key: 'x-${V}'\n", env) == {"key": "x-pass #word"}
    assert _parsed("body: |\n  token: ${V}\nnext: 1\n", env) == {"body": "token: pass #word\n", "next": 1}
