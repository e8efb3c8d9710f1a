"""The authorization section: an undeclared role, an unknown integration or an exact operation an
inline integration lacks is an issue at its own line, also from a provider file, and ``gestaltd
validate`` prints it at file:line; a valid section loads into frozen specs with each grant's place."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import pytest

from engine.cli import main
from engine.config import load
from engine.config.spec_authorization import GrantSpec, SubjectSpec

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
authorization:
  default: deny
"""


def _issues(write_config: Callable[[str], Path], section: str) -> list[tuple[int, str]]:
    path = write_config(INTEGRATIONS + section)
    return [(i.line, i.message) for i in config_issues(path)]


@pytest.mark.parametrize(
    ("section", "line", "message"),
    [
        (
            "  roles: {reader: []}\n  assignments:\n"
            "    - {subjects: [{domain: x.test}], roles: [reader, writer]}\n",
            13,
            'unknown role "writer"',
        ),
        ("  roles:\n    reader:\n      - {integration: nope}\n", 13, 'unknown integration "nope"'),
        (
            "  roles:\n    reader:\n      - integration: svc\n        operations: [list_*, get_item]\n",
            14,
            'unknown operation "get_item" of integration "svc"',
        ),
    ],
)
def test_each_bad_reference_is_reported_at_its_line(
    write_config: Callable[[str], Path], section: str, line: int, message: str
) -> None:
    assert _issues(write_config, section) == [(line, message)]


def test_operations_of_a_document_and_globs_are_not_guessed(write_config: Callable[[str], Path]) -> None:
    section = "  roles:\n    reader:\n      - {integration: spec, operations: [anything]}\n"
    section += "      - {operations: [x]}\n"
    assert _issues(write_config, section) == []


def test_a_provider_file_names_a_declared_role_and_no_integration(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "providers.d").mkdir()
    (tmp_path / "providers.d" / "svc.yaml").write_text(
        "plugin:\n  base_url: https://svc.test\n  operations:\n    - {name: ping, method: GET, path: /ping}\n"
        "authorization:\n  support:\n    - {operations: [ping]}\n  reader:\n    - {integration: svc}\n"
    )
    config = tmp_path / "gestalt.yaml"
    config.write_text("authorization:\n  roles:\n    reader: []\n")
    assert main(["validate", "--config", str(config)]) == 1
    out = capsys.readouterr().out
    assert 'providers.d/svc.yaml:6:3: unknown role "support" (declare it under authorization.roles)' in out
    assert "providers.d/svc.yaml:9:8: a provider file's grants are on its own integration" in out


def test_grants_from_a_provider_file_join_their_role(tmp_path: Path) -> None:
    (tmp_path / "providers.d").mkdir()
    (tmp_path / "providers.d" / "svc.yaml").write_text(
        "plugin:\n  base_url: https://svc.test\n  operations:\n    - {name: ping, method: GET, path: /ping}\n"
        "authorization:\n  reader:\n    - {operations: [ping], connections: [plugin]}\n"
    )
    config = tmp_path / "gestalt.yaml"
    config.write_text(
        "authorization:\n  roles:\n    reader: [{annotation: read_only}]\n"
        "  assignments:\n    - {subjects: [{email: A@X.test}], roles: [reader]}\n"
    )
    spec = load(config, env={}).authorization
    assert spec is not None and spec.default == "allow"
    first, second = spec.roles["reader"]
    assert (first.integration, first.annotation, first.actions) == ("*", "read_only", ("invoke",))
    assert (second.integration, second.operations, second.connections) == ("svc", ("ping",), ("plugin",))
    assert second.origin is not None and second.origin.file.name == "svc.yaml" and second.origin.line == 7
    assert spec.assignments[0].subjects == (SubjectSpec("email", "A@X.test"),)
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.effect = "deny"  # type: ignore[misc]


def test_grant_defaults_agree_with_the_schema() -> None:
    from engine.config import schemas

    props = schemas.load_schema(schemas.PROVIDER)["$defs"]["authorizationGrant"]["properties"]
    grant = GrantSpec()
    assert grant.integration == props["integration"]["default"]
    assert list(grant.actions) == props["actions"]["default"]
    assert grant.effect == props["effect"]["default"]
    assert list(grant.operations) == props["operations"]["default"] == list(grant.connections)
