"""Our cross-reference rules beyond the reference's, and the runtime-only checks."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from engine.config import load, render_issues, runtime_issues
from engine.config.spec import DiscoverySpec

from .conftest import config_issues

OPS = """\
integrations:
  svc:
    plugin:
      base_url: {base_url}
{extra}      operations:
        - name: get
          method: GET
          path: {path}
{params}"""


def _ops(base_url: str = "https://x.test", path: str = "/a", params: str = "", extra: str = "") -> str:
    return OPS.format(base_url=base_url, path=path, params=params, extra=extra)


def _messages(path: Path) -> str:
    return render_issues(config_issues(path))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            _ops(path="/a/{id}", params="          parameters:\n            - name: q\n"),
            'path placeholder "{id}" is not a declared parameter',
        ),
        (
            _ops(params="          parameters:\n            - {name: id, in: path}\n"),
            'parameter "id" has in: path but "{id}" does not occur in the path',
        ),
        (_ops(base_url="https://{tenant}.x.test"), 'base_url placeholder "{tenant}" is not a declared'),
        (
            _ops(extra="      discovery: {url: https://x.test/r, params: {site: id}}\n"),
            'discovery param "site" is not a declared connection parameter of plugin',
        ),
        (
            _ops(extra="      auth: {type: oauth2, token_url: https://x.test/t}\n"),
            "oauth2 auth requires authorization_url",
        ),
        (
            "integrations:\n  tokens:\n    plugin: {openapi: https://x.test/o.json}\n",
            'integration name "tokens" is reserved',
        ),
        ("integrations:\n  Bad:\n    plugin: {openapi: https://x.test/o.json}\n", 'invalid name "Bad"'),
        ("server: {api_token_ttl: 0s}\n", 'server.api_token_ttl: duration must be positive, got "0s"'),
        ("server: {api_token_ttl: xd}\n", 'server.api_token_ttl: invalid day duration "xd"'),
        ("server: {api_token_ttl: soon}\n", 'server.api_token_ttl: time: invalid duration "soon"'),
        ("auth: {provider: oidc}\n", "server.encryption_key is required when auth is enabled"),
        (
            "egress:\n  policies:\n    - {host: x}\n",
            'egress.policies[0].action must be "allow" or "deny", got ""',
        ),
        (
            "integrations:\n  svc:\n    plugin:\n      openapi: https://x.test/o.json\n      connections:\n"
            "        c: {mode: sometimes}\n",
            'must be one of "none", "user", "identity", "either"',
        ),
        (
            "bindings:\n  b: {type: webhook, config: {path: /b, provider: nope, operation: x}}\n",
            'config.provider references unknown integration "nope"',
        ),
        (
            _ops() + "bindings:\n  b: {type: webhook, providers: [svc],\n"
            "      config: {path: /b, provider: svc, operation: put}}\n",
            'config.operation references unknown operation "put"',
        ),
        (
            "integrations:\n  svc:\n    plugin:\n      python: 'pkg.mod:factory'\n      command: /bin/x\n",
            "plugin.python and plugin.command are mutually exclusive",
        ),
    ],
)
def test_rule(text: str, expected: str, write_config: Callable[[str], Path]) -> None:
    assert expected in _messages(write_config(text))


@pytest.mark.parametrize(
    "text",
    [
        _ops(path="/a/{id}"),  # no declared parameters: pass-through
        _ops(path="/a/{id}", params="          parameters:\n            - {name: id, type: int}\n"),
        _ops(base_url="https://{tenant}.x.test", extra="      params: {tenant: {required: true}}\n"),
        "server: {api_token_ttl: 1h30m}\n",
        "server: {api_token_ttl: 30d}\n",
        "auth: {provider: local}\nserver: {encryption_key: k}\n",
        _ops(params="          parameters:\n            - {name: q, enum: [a, b], default: a}\n"),
        "integrations:\n  svc:\n    plugin:\n      python: 'pkg.mod:factory'\n",
    ],
)
def test_valid(text: str, write_config: Callable[[str], Path]) -> None:
    assert _messages(write_config(text)) == ""


def test_method_any_case_is_kept_as_written(write_config: Callable[[str], Path]) -> None:
    spec = load(write_config(_ops().replace("GET", "patch")), env={})
    assert spec.integrations["svc"].plugin.operations[0].method == "patch"


def test_external_plugins_load_but_are_not_runnable(write_config: Callable[[str], Path]) -> None:
    path = write_config("integrations:\n  ext:\n    plugin:\n      command: /usr/bin/provider\n")
    spec = load(path, env={})
    issues = runtime_issues(spec)
    assert [(i.line, i.pointer) for i in issues] == [(2, "/integrations/ext/plugin")]
    assert "external plugin processes are not supported by this server" in issues[0].message
    assert runtime_issues(load(write_config(_ops()), env={})) == []


def test_connections_and_defaults(write_config: Callable[[str], Path]) -> None:
    text = _ops(
        extra="      default_connection: team\n      connections:\n        team:\n"
        "          mode: identity\n          identity: {token: 'secret://team-token'}\n"
    )
    plugin = load(write_config(text), env={}).integrations["svc"].plugin
    team = plugin.connections["team"]
    assert (team.mode, team.auth.type) == ("identity", "none")
    assert team.identity == {"token": "secret://team-token"}
    assert team.origin is not None and team.origin.line == 7
    assert plugin.auth is None


def test_discovery_on_plugin_and_connections(write_config: Callable[[str], Path]) -> None:
    text = _ops(
        extra="      default_connection: plugin\n      params: {site: {required: true}}\n"
        "      discovery: {url: 'https://x.test/r', items_path: data, params: {site: id}}\n"
        "      connections:\n        team:\n          params: {site: {}}\n"
        "          discovery: {url: 'https://x.test/t', method: POST, id_path: key, label_path: title}\n"
    )
    plugin = load(write_config(text), env={}).integrations["svc"].plugin
    assert plugin.discovery == DiscoverySpec("https://x.test/r", items_path="data", params={"site": "id"})
    team = plugin.connections["team"].discovery
    assert team == DiscoverySpec("https://x.test/t", method="POST", id_path="key", label_path="title")
    assert _messages(write_config(text)) == ""


def test_previous_encryption_keys_are_checked_at_their_lines(write_config: Callable[[str], Path]) -> None:
    text = (
        "server:\n"
        "  encryption_key: ${NEW}\n"
        "  previous_encryption_keys:\n"
        "    - ${OLD}\n"
        "    - ''\n"
        "    - ${NEW}\n"
        "    - ${OLD}\n"
    )
    env = {"NEW": "new-passphrase", "OLD": "old-passphrase"}
    issues = config_issues(write_config(text), env)
    assert [(i.line, i.col, i.message) for i in issues] == [
        (5, 7, "server.previous_encryption_keys[1] is empty"),
        (6, 7, "server.previous_encryption_keys[2] repeats server.encryption_key"),
        (7, 7, "server.previous_encryption_keys[3] repeats server.previous_encryption_keys[0]"),
    ]
    assert "passphrase" not in render_issues(issues)  # a key is named by its place, never quoted
    unset = config_issues(write_config(text.replace("- ''", "- ${UNSET}")), env)
    assert [(i.line, i.message) for i in unset] == [(5, "expected string, got null")]
    orphan = config_issues(write_config("server:\n  previous_encryption_keys: [k]\n"))
    assert [(i.line, i.message) for i in orphan] == [
        (2, "server.previous_encryption_keys needs server.encryption_key (the key that writes)")
    ]
    valid = write_config("server:\n  encryption_key: n\n  previous_encryption_keys: [o, secret://old]\n")
    assert load(valid, env={}).server.previous_encryption_keys == ("o", "secret://old")


def test_perimeter_addresses_are_checked_at_their_lines(write_config: Callable[[str], Path]) -> None:
    text = (
        "server:\n"
        "  base_url: gestalt.example.com\n"
        "  allowed_hosts:\n"
        "    - gestalt.internal\n"
        "    - https://gestalt.internal:8443\n"
        "  allowed_origins:\n"
        "    - https://portal.example.com\n"
        "    - https://portal.example.com/app\n"
    )
    issues = config_issues(write_config(text), {})
    assert [(i.line, i.col, i.message) for i in issues] == [
        (2, 3, 'server.base_url must be an http(s) URL, got "gestalt.example.com"'),
        (
            5,
            7,
            "server.allowed_hosts[1] must be a host name or IP address alone (no scheme, port or path), "
            'got "https://gestalt.internal:8443"',
        ),
        (
            8,
            7,
            "server.allowed_origins[1] must be an origin: http(s)://host[:port], nothing after it, "
            'got "https://portal.example.com/app"',
        ),
    ]
    good = "server:\n  base_url: https://g.example.com/base\n  allowed_hosts: ['[::1]', 10.0.0.5, a.b]\n"
    assert config_issues(write_config(good), {}) == []
