"""Typed coercion of ``-p key=value`` from an operation's input schema."""

from __future__ import annotations

from typing import Any

import pytest

from engine.client.arguments import build_arguments, input_schema, read_input
from engine.client.errors import UsageError

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "n": {"type": "integer"},
        "x": {"type": "number"},
        "on": {"type": "boolean"},
        "ids": {"type": "array", "items": {"type": "integer"}},
        "tags": {"type": "array"},
        "filter": {"type": "object"},
        "maybe": {"type": ["integer", "null"]},
        "name": {"type": "string"},
    },
}


def test_values_take_the_schema_types() -> None:
    args = build_arguments(
        SCHEMA,
        [
            "n=3",
            "x=2.5",
            "on=yes",
            "ids=1,2",
            "tags=a, b",
            'filter={"a": 1}',
            "maybe=4",
            "name=007",
            "free=1",
        ],
    )
    assert args == {
        "n": 3,
        "x": 2.5,
        "on": True,
        "ids": [1, 2],
        "tags": ["a", "b"],
        "filter": {"a": 1},
        "maybe": 4,
        "name": "007",
        "free": "1",
    }


def test_literal_json_and_input_base() -> None:
    args = build_arguments(SCHEMA, ["name:=null", "ids=[3]", "n=1"], {"n": 9, "kept": True})
    assert args == {"n": 1, "kept": True, "name": None, "ids": [3]}


def test_synthesised_schema_from_parameters() -> None:
    op = {"id": "x", "parameters": [{"name": "limit", "type": "integer"}, {"name": "q", "type": "string"}]}
    assert build_arguments(input_schema(op), ["limit=5", "q=5"]) == {"limit": 5, "q": "5"}


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("n=1.5", 'parameter "n" must be an integer, got "1.5"'),
        ("x=big", 'parameter "x" must be a number'),
        ("on=maybe", 'parameter "on" must be true or false'),
        ("filter=[1]", 'parameter "filter" must be an object (JSON)'),
        ("ids=1,two", 'parameter "ids" must be an integer, got "two"'),
        ("n:=nope", '"nope" is not valid JSON'),
        ("=1", "expected key=value"),
    ],
)
def test_bad_values_are_usage_errors(given: str, message: str) -> None:
    with pytest.raises(UsageError) as caught:
        build_arguments(SCHEMA, [given])
    assert message in caught.value.message


def test_input_must_be_an_object() -> None:
    assert read_input("", "stdin") == {}
    with pytest.raises(UsageError, match="must hold a JSON object"):
        read_input("[]", "f.json")
    with pytest.raises(UsageError, match="f.json: not valid JSON"):
        read_input("{", "f.json")
