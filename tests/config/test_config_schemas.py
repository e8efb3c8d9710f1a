"""The schemas document every property, reject unknown keys, and agree with the spec defaults."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from engine.config import schemas, spec

FREE_FORM = {"config", "ui"}
# A conditional's ``if``/``then`` refine properties declared (and described) beside them: a
# webhook's settings when ``type`` is webhook, what ``auth_mode: signed`` requires.
CONDITIONS = {"if", "then"}


def _properties(node: Any, where: str) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(schema location, property name, property schema) for every property at any depth."""
    if isinstance(node, dict):
        for name, prop in (node.get("properties") or {}).items():
            yield where, name, prop
        for key, value in node.items():
            if key not in CONDITIONS:
                yield from _properties(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _properties(value, f"{where}/{index}")


@pytest.mark.parametrize("name", schemas.ALL)
def test_every_property_has_a_description(name: str) -> None:
    missing = [f"{where}/{prop}" for where, prop, body in _properties(schemas.load_schema(name), "#")
               if not body.get("description")]  # fmt: skip
    assert missing == []


def _objects(node: Any, where: str) -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        if "properties" in node:
            yield where, node
        for key, value in node.items():
            if key not in CONDITIONS:
                yield from _objects(value, f"{where}/{key}")


@pytest.mark.parametrize("name", schemas.ALL)
def test_objects_reject_unknown_keys(name: str) -> None:
    loose = [where for where, node in _objects(schemas.load_schema(name), "#")
             if node.get("additionalProperties") is not False]  # fmt: skip
    assert loose == []


def test_schemas_are_valid_draft_2020_12() -> None:
    for name in schemas.ALL:
        schemas.validator(name).check_schema(schemas.load_schema(name))


def _defs(name: str) -> dict[str, Any]:
    defs: dict[str, Any] = schemas.load_schema(name)["$defs"]
    return defs


DEFAULTS = [
    (spec.ConnectionAuthSpec, _defs(schemas.PROVIDER)["connectionAuth"]["properties"]),
    (spec.ConnectionSpec, _defs(schemas.PROVIDER)["connection"]["properties"]),
    (spec.ParameterSpec, _defs(schemas.PROVIDER)["parameter"]["properties"]),
    (spec.OperationSpec, _defs(schemas.PROVIDER)["operation"]["properties"]),
    (spec.PaginationSpec, _defs(schemas.PROVIDER)["pagination"]["properties"]),
    (spec.AllowedOperationSpec, _defs(schemas.PROVIDER)["allowedOperation"]["properties"]),
    (spec.PluginSpec, _defs(schemas.PROVIDER)["plugin"]["properties"]),
    (spec.ConnectionParamSpec, _defs(schemas.PROVIDER)["connectionParam"]["properties"]),
    (spec.DiscoverySpec, _defs(schemas.PROVIDER)["discovery"]["properties"]),
    (spec.ServerSpec, schemas.load_schema(schemas.GESTALT)["properties"]["server"]["properties"]),
]


@pytest.mark.parametrize(("cls", "props"), DEFAULTS, ids=lambda v: getattr(v, "__name__", ""))
def test_schema_defaults_match_spec_defaults(cls: type, props: dict[str, Any]) -> None:
    fields = {f.name.rstrip("_"): f for f in dataclasses.fields(cls)}
    for name, prop in props.items():
        if "default" in prop and name in fields:
            default = fields[name].default
            default = list(default) if isinstance(default, tuple) else default  # a list, frozen
            assert default == prop["default"], f"{cls.__name__}.{name}"


def test_driver_defaults_match_config_spec() -> None:
    top = schemas.load_schema(schemas.GESTALT)["properties"]
    defaults = spec.ConfigSpec(path=__import__("pathlib").Path("x"))
    for section in ("auth", "datastore", "secrets", "telemetry"):
        assert top[section]["properties"]["provider"]["default"] == getattr(defaults, section).provider
    assert top["egress"]["properties"]["default_action"]["default"] == spec.EgressSpec().default_action


def test_schema_dir_is_the_repository_schemas() -> None:
    repo = Path(__file__).resolve().parents[2]
    assert schemas.schema_dir().resolve() == (repo / "schemas").resolve()
    assert sorted(p.name for p in schemas.schema_dir().iterdir()) == sorted(schemas.ALL)
