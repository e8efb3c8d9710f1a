"""Settings a reference config may carry that this server would accept and then not act on: each
is refused at its place in the file, by ``validate`` (``check_config``) and by ``serve``
(``build_runtime``), never ignored. Driver settings are checked by the schema, per driver."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from engine.bootstrap import build_runtime, check_config
from engine.config import ConfigIssue, load, render_issues, runtime_issues
from engine.config.locate import located
from engine.config.schemas import load_schema
from engine.egress.client import default_client
from engine.errors import ConfigError

from .conftest import REPO, config_issues

KEY = "11" * 32
Write = Callable[[str], Path]


def deployment(tail: str) -> str:
    return f'server:\n  encryption_key: "{KEY}"\ndatastore:\n  config:\n    path: state.db\n{tail}'


@pytest.mark.parametrize(
    ("tail", "line", "pointer", "message"),
    [
        (
            "telemetry:\n  provider: journald\n",
            7,
            "/telemetry/provider",
            'unknown telemetry provider "journald" (expected "stdout", "noop", "otlp")',
        ),
        (
            "ui:\n  plugin:\n    source: github.com/acme/plugins/console\n    version: 1.0.0\n",
            7,
            "/ui/plugin",
            "ui.plugin is not supported by this server: it serves its own pages and runs no UI plugin",
        ),
    ],
)
def test_what_would_be_ignored_is_refused_by_validate_and_serve(
    tail: str, line: int, pointer: str, message: str, write_config: Write
) -> None:
    path = write_config(deployment(tail))
    spec = load(path, env={})  # the reference's shape: it loads
    _, issues = check_config(path, default_client())
    assert [(i.line, i.pointer) for i in located(issues)] == [(line, pointer)]
    assert issues[0].message.startswith(message)
    with pytest.raises(ConfigError) as info:
        build_runtime(spec, logs=False)
    refused = [i for i in info.value.issues if isinstance(i, ConfigIssue)]
    assert [(i.line, i.pointer) for i in located(refused)] == [(line, pointer)]


@pytest.mark.parametrize(
    "tail",
    [
        "telemetry:\n  provider: noop\n",
        "ui: {}\n",
        "telemetry: {provider: stdout}\n",
        "telemetry:\n  provider: otlp\n  config:\n    endpoint: http://collector:4317\n    protocol: grpc\n",
    ],
)
def test_what_is_enforced_passes(tail: str, write_config: Write) -> None:
    assert runtime_issues(load(write_config(deployment(tail)), env={})) == []


@pytest.mark.parametrize(
    ("tail", "line", "pointer"),
    [
        ("datastore:\n  config:\n    pth: x.db\n", 3, "/datastore/config/pth"),  # sqlite: path
        (
            "datastore:\n  provider: postgres\n  config:\n    dsn: x\n    path: y\n",
            5,
            "/datastore/config/path",
        ),
        ("secrets:\n  provider: file\n  config:\n    dir: s\n    prefix: P_\n", 5, "/secrets/config/prefix"),
        ("secrets:\n  config:\n    prefx: P_\n", 3, "/secrets/config/prefx"),  # env: prefix
        ("auth:\n  config:\n    email: a@b.example\n", 3, "/auth/config/email"),  # none reads nothing
        ("auth:\n  provider: local\n  config:\n    pasword: x\n", 4, "/auth/config/pasword"),
        ("auth:\n  provider: google\n  config:\n    client_id: a\n    tenant: t\n", 5, "/auth/config/tenant"),
        ("telemetry:\n  config:\n    lvl: debug\n", 3, "/telemetry/config/lvl"),
        ("ui:\n  theme: dark\n", 2, "/ui/theme"),
    ],
)
def test_a_setting_no_driver_reads_is_an_unknown_key_at_its_line(
    tail: str, line: int, pointer: str, write_config: Write
) -> None:
    issues = config_issues(write_config(f'server:\n  encryption_key: "{KEY}"\n' + tail))
    key = pointer.rsplit("/", 1)[1]
    assert [(i.line - 2, i.pointer, i.message) for i in issues] == [(line, pointer, f'unknown key "{key}"')]


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ("telemetry:\n  config:\n    format: jsonl\n", 'must be one of "text", "json", got "jsonl"'),
        ("telemetry:\n  config:\n    level: verbose\n", 'invalid value "verbose"'),
    ],
)
def test_telemetry_values_that_would_fall_back_are_refused(
    config: str, message: str, write_config: Write
) -> None:
    assert message in render_issues(config_issues(write_config(config)))


def _readme_drivers() -> dict[str, dict[str, set[str]]]:
    """The README's driver table: section → provider → the config keys it lists."""
    text = (REPO / "README.md").read_text()
    table = text.split("| section | `provider` | `config` |", 1)[1].split("\n\n", 1)[0]
    out: dict[str, dict[str, set[str]]] = {}
    for row in table.strip().splitlines()[1:]:
        section, providers, settings = (cell.strip() for cell in row.strip("|").split("|"))
        drivers = out[section.strip("`")] = {name: set() for name in re.findall(r"`(\w+)`", providers)}
        for part in re.sub(r"\([^)]*\)", "", settings).split(";"):  # (allowed values) left out
            label, _, keys = part.partition(":")
            for name in label.strip().split("/"):
                drivers[name] = set(re.findall(r"`(\w+)`", keys))
    return out


def test_the_readme_table_is_the_schema() -> None:
    schema = load_schema("gestalt.schema.json")["properties"]
    for section, providers in _readme_drivers().items():
        drivers = {
            rule["if"]["properties"]["provider"]["const"]: set(
                rule["then"]["properties"]["config"]["properties"]
            )
            for rule in schema[section]["allOf"]
        }
        for name, keys in providers.items():
            assert drivers[name] == keys, (section, name)


def test_every_documented_setting_loads(write_config: Write) -> None:
    text = (
        'server:\n  encryption_key: "' + KEY + '"\n  base_url: https://gestalt.example.com\n'
        "auth:\n  provider: oidc\n  config:\n    issuer_url: https://login.example.com\n"
        "    client_id: id\n    client_secret: s\n    redirect_url: https://gestalt.example.com/cb\n"
        "    allowed_domains: [example.com]\n    scopes: openid email\n    pkce: false\n"
        "    session_ttl: 12h\n    display_name: Example\n"
        "datastore:\n  provider: postgres\n  config:\n    dsn: postgresql://db/gestalt\n"
        "secrets:\n  provider: file\n  config:\n    dir: secrets\n"
        "telemetry:\n  config:\n    format: json\n    level: WARN\n"
    )
    assert config_issues(write_config(text)) == []
