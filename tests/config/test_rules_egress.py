"""The egress section: each bad value is an issue at its own line, naming what is wrong; a valid
section loads into frozen specs that keep every rule's place in the file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from engine.config import load

from .conftest import config_issues

INTEGRATIONS = """\
integrations:
  svc:
    plugin:
      base_url: https://svc.test
      operations:
        - {name: list_items, method: GET, path: /items}
  spec:
    plugin: {openapi: https://spec.test/openapi.json}
"""


def _issues(write_config: Callable[[str], Path], egress: str) -> list[tuple[int, str]]:
    path = write_config(INTEGRATIONS + "egress:\n" + egress)
    return [(i.line, i.message) for i in config_issues(path)]


@pytest.mark.parametrize(
    ("egress", "line", "message"),
    [
        ("  default_action: block\n", 10, 'egress.default_action must be "allow" or "deny", got "block"'),
        (
            "  policies:\n    - {action: allow}\n    - {action: permit, host: x.test}\n",
            12,
            'egress.policies[1].action must be "allow" or "deny", got "permit"',
        ),
        (
            "  policies:\n    - action: allow\n      provider: svcs\n",
            12,
            'egress.policies[0]: unknown integration "svcs"',
        ),
        (
            "  policies:\n    - action: deny\n      provider: svc\n      operation: delete_items\n",
            13,
            'egress.policies[0]: unknown operation "delete_items" of integration "svc"',
        ),
        (
            "  policies:\n    - {action: allow, host: 'https://api.test'}\n",
            11,
            'egress.policies[0].host: "https://api.test" is a URL: write the host name alone',
        ),
        (
            "  policies:\n    - {action: deny, host: 10.0.0.0/8}\n",
            11,
            'egress.policies[0].host: "10.0.0.0/8" has a "/": host matches a host name or address '
            "(no path, no CIDR range)",
        ),
        (
            "  policies:\n    - {action: deny, host: 'api.*.test'}\n",
            11,
            'a wildcard is only allowed as a leading "*."',
        ),
        ("  policies:\n    - {action: deny, host: 'x.test:99999'}\n", 11, "has an invalid port"),
        ("  policies:\n    - {action: deny, path_prefix: items}\n", 11, 'invalid value "items"'),
        ("  policies:\n    - {action: deny, path_prefix: '/a?b=1'}\n", 11, "the query string is not matched"),
        ("  policies:\n    - {action: deny, subject_kind: users}\n", 11, 'must be one of "user", "identity"'),
        ("  policies:\n    - {action: deny, verb: GET}\n", 11, 'unknown key "verb"'),
        ("  credentials:\n    - {host: x.test}\n", 11, "egress.credentials[0]: secret_ref is required"),
        (
            "  credentials:\n    - {secret_ref: secret://t}\n",
            11,
            "egress.credentials[0]: at least one match criterion is required",
        ),
        (
            "  credentials:\n    - {secret_ref: secret://t, host: x.test, auth_style: token}\n",
            11,
            'auth_style must be one of "bearer", "raw", "basic", "none", got "token"',
        ),
        (
            "  credentials:\n    - {secret_ref: plain-value, host: x.test}\n",
            11,
            "egress.credentials[0]: secret_ref must be secret://NAME",
        ),
        (
            "  credentials:\n    - {secret_ref: secret://t, host: x.test, header: X-Key}\n",
            11,
            'egress.credentials[0]: header is only used with auth_style "raw"',
        ),
        (
            "  credentials:\n    - {secret_ref: secret://t, host: x.test, auth_style: none}\n",
            11,
            'secret_ref is never read with auth_style "none"; remove it',
        ),
        (
            "  credentials:\n    - {secret_ref: secret://t, provider: nope}\n",
            11,
            'egress.credentials[0]: unknown integration "nope"',
        ),
    ],
)
def test_a_bad_value_is_an_issue_at_its_line(
    write_config: Callable[[str], Path], egress: str, line: int, message: str
) -> None:
    issues = _issues(write_config, egress)
    assert [found for found in issues if message in found[1]] != [], issues
    assert all(found_line == line for found_line, text in issues if message in text), issues


def test_an_operation_a_document_decides_is_left_to_the_compiler(write_config: Callable[[str], Path]) -> None:
    egress = "  policies:\n    - {action: deny, provider: spec, operation: anything}\n"
    assert _issues(write_config, egress) == []
    # Without a provider, an operation is unknown only when no integration could have it.
    assert _issues(write_config, "  policies:\n    - {action: deny, operation: anything}\n") == []


def test_a_valid_section_loads_with_the_place_of_each_rule(write_config: Callable[[str], Path]) -> None:
    egress = (
        "  default_action: deny\n"
        "  policies:\n"
        "    - {action: allow, provider: svc, operation: list_items, method: get, host: '*.svc.test'}\n"
        "    - {action: allow, host: '[::1]:8080', path_prefix: /}\n"
        "  credentials:\n"
        "    - {secret_ref: secret://key, auth_style: raw, header: X-Api-Key, host: svc.test}\n"
        "    - {auth_style: none, subject_kind: system}\n"
    )
    spec = load(write_config(INTEGRATIONS + "egress:\n" + egress), env={}).egress
    assert spec.default_action == "deny"
    assert [(p.action, p.host, p.origin.line if p.origin else 0) for p in spec.policies] == [
        ("allow", "*.svc.test", 12),
        ("allow", "[::1]:8080", 13),
    ]
    assert [(g.auth_style, g.header, g.secret_ref) for g in spec.credentials] == [
        ("raw", "X-Api-Key", "secret://key"),
        ("none", "", ""),
    ]
    assert spec.credentials[1].origin is not None and spec.credentials[1].origin.line == 16
