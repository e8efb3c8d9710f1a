"""Plain-value logic of connections: stored secrets → credential fields, connection params."""

from __future__ import annotations

import pytest

from engine.compiler.injector import compile_injector
from engine.compiler.model import Connection
from engine.compiler.request import interpolate
from engine.config.spec import ConnectionAuthSpec, ConnectionParamSpec
from engine.errors import InvalidConnectionParam
from engine.invocation.connection_target import validate_params
from engine.invocation.store_credentials import credential_fields


def test_single_value_is_the_token() -> None:
    assert credential_fields("abc") == {"token": "abc"}
    assert credential_fields("{not json") == {"token": "{not json"}
    assert credential_fields('{"n": 1}') == {"token": '{"n": 1}'}


def test_multi_field_credentials() -> None:
    assert credential_fields('{"api_key":"k1","app_key":"k2"}') == {"api_key": "k1", "app_key": "k2"}
    assert credential_fields('{"api_key":"k1"}') == {"api_key": "k1", "token": "k1"}


def _connection(**params: ConnectionParamSpec) -> Connection:
    auth = ConnectionAuthSpec(type="bearer")
    return Connection("plugin", "user", auth, params, compile_injector(auth))


def test_params_defaults_and_required() -> None:
    conn = _connection(site=ConnectionParamSpec(required=True), region=ConnectionParamSpec(default="eu"))
    assert validate_params(conn, {"site": "acme"}) == {"region": "eu", "site": "acme"}
    assert validate_params(conn, {"site": "acme", "region": "us"}) == {"region": "us", "site": "acme"}
    with pytest.raises(InvalidConnectionParam, match="missing required connection parameter: site"):
        validate_params(conn, {"site": ""})
    with pytest.raises(InvalidConnectionParam, match="unknown connection parameter: x"):
        validate_params(conn, {"x": "1"})


def test_interpolation_leaves_unknown_placeholders() -> None:
    url = "https://{site}.example.com/{tenant}/token"
    assert interpolate(url, {"site": "acme"}) == "https://acme.example.com/{tenant}/token"
