"""``validate`` rejects a connection whose declared credential fields cannot fill its injection."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from engine.cli import main
from tests.support.configs import write_config
from tests.support.validate import validate_plugin

PING = {"name": "ping", "method": "GET", "path": "/ping"}
FIELDS = [{"name": "email"}, {"name": "api_token"}]


def test_basic_over_fields_it_cannot_read_is_rejected_at_the_auth_block(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    auth = {"type": "basic", "credentials": FIELDS}
    found = validate_plugin(tmp_path, capsys, {"auth": auth, "operations": [PING]})
    assert found == [
        '3:3: connection "plugin": auth type basic sends the credential fields username and password, '
        "but this connection declares email, api_token: say which is the user and which the password "
        "in auth_mapping.basic (username: <field>, password: <field>) (at /plugin/auth)"
    ]
    named = {
        "team": {"auth": {**auth, "auth_mapping": {"basic": {"username": "emial", "password": "api_token"}}}}
    }
    found = validate_plugin(
        tmp_path, capsys, {"connections": named, "default_connection": "team", "operations": [PING]}
    )
    assert found == [
        '5:7: connection "team": auth_mapping.basic.username names "emial", which is not a declared '
        'credential field (did you mean "email"?) (at /plugin/connections/team/auth)'
    ]


@pytest.mark.parametrize(
    "auth",
    [
        {"type": "basic"},  # one "user:pass" credential
        {"type": "basic", "credentials": [{"name": "api_key"}]},  # "key:"
        {"type": "basic", "credentials": [{"name": "username"}, {"name": "password"}]},
        {"type": "manual", "credentials": FIELDS, "auth_mapping": {"basic": {"username": "email"}}},
        {"type": "manual", "credentials": [{"name": "k"}], "auth_mapping": {"headers": {"X-Key": "token"}}},
    ],
)
def test_fillable_connections_validate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], auth: dict[str, object]
) -> None:
    assert validate_plugin(tmp_path, capsys, {"auth": auth, "operations": [PING]}) == []


BASIC_DOC = """
openapi: 3.0.3
info: {title: Calls, version: "1"}
servers: [{url: "https://api.example.com"}]
components: {securitySchemes: {basic_auth: {type: http, scheme: basic}}}
security: [{basic_auth: []}]
paths: {/calls: {get: {operationId: listCalls}}}
"""


def test_a_documents_basic_scheme_over_written_fields_needs_the_mapping(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """gong's shape: the document says http basic, the config declares two differently named fields."""
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "calls.yaml").write_text(BASIC_DOC)
    fields = [{"name": "access_key_id"}, {"name": "secret_key"}]
    auth: dict[str, Any] = {"type": "manual", "credentials": fields}
    plugin = {"openapi": "../specs/calls.yaml", "auth": auth}
    config = write_config(tmp_path, {"svc": {"plugin": plugin}})
    assert main(["validate", "--config", str(config)]) == 1
    assert "declares access_key_id, secret_key: say which is the user" in capsys.readouterr().out
    auth["auth_mapping"] = {"basic": {"username": "access_key_id", "password": "secret_key"}}
    config = write_config(tmp_path, {"svc": {"plugin": plugin}})
    assert main(["validate", "--config", str(config)]) == 0
