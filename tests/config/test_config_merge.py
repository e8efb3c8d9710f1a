"""providers.d / bindings.d merge, duplicate names, relative path resolution."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from engine.config import load
from engine.config.spec import MISSING

from .conftest import FIXTURES, REPO, config_issues

MERGE = FIXTURES / "providers_merge"


def test_files_merge_with_inline_entries() -> None:
    spec = load(MERGE / "gestalt.yaml", env={})
    assert set(spec.integrations) == {"inline_svc", "files_svc", "doc_svc"}
    assert set(spec.bindings) == {"hook", "proxy"}
    assert spec.providers_dir == MERGE / "providers.d"
    assert spec.bindings_dir == MERGE / "bindings.d"


def test_file_integration_origin_and_specs() -> None:
    spec = load(MERGE / "gestalt.yaml", env={})
    files_svc = spec.integrations["files_svc"]
    assert files_svc.origin is not None
    assert (files_svc.origin.file, files_svc.origin.pointer) == (MERGE / "providers.d" / "files_svc.yaml", "")
    operation = files_svc.plugin.operations[0]
    assert operation.origin is not None and (operation.origin.line, operation.origin.col) == (12, 7)
    assert operation.origin.pointer == "/plugin/operations/0"
    identifier, limit = operation.parameters
    assert (identifier.in_, identifier.required, identifier.default) == ("path", True, MISSING)
    assert (limit.type, limit.in_, limit.default) == ("int", None, 10)
    assert limit.origin is not None and limit.origin.line == 20
    assert files_svc.plugin.params["tenant"].required is True
    assert files_svc.plugin.auth is not None and files_svc.plugin.auth.type == "bearer"


def test_inline_origin_points_at_the_key() -> None:
    spec = load(MERGE / "gestalt.yaml", env={})
    origin = spec.integrations["inline_svc"].origin
    assert origin is not None
    assert (origin.line, origin.col, origin.pointer) == (13, 3, "/integrations/inline_svc")
    binding_origin = spec.bindings["hook"].origin
    assert binding_origin is not None and binding_origin.line == 22


def test_relative_paths_resolve_against_the_naming_file() -> None:
    spec = load(MERGE / "gestalt.yaml", env={})
    assert spec.integrations["inline_svc"].icon_file == str(MERGE / "icons" / "inline.svg")
    assert spec.integrations["files_svc"].icon_file == str(MERGE / "providers.d" / "icon.svg")
    assert spec.integrations["doc_svc"].plugin.openapi == str(MERGE / "docs" / "openapi.yaml")
    assert spec.datastore.config["path"] == str(MERGE / "data" / "state.db")
    assert spec.secrets.config["dir"] == str(MERGE / "secrets")


def test_allowed_operations_null_or_mapping() -> None:
    allowed = load(MERGE / "gestalt.yaml", env={}).integrations["doc_svc"].plugin.allowed_operations
    assert allowed is not None
    assert allowed["listThings"].alias == ""
    assert (allowed["getThing"].alias, allowed["getThing"].paginate) == ("get_thing", True)


def test_duplicate_name_names_both_files(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    issues = config_issues(FIXTURES / "duplicate_provider" / "gestalt.yaml")
    messages = {i.file.name: i.message for i in issues}
    duplicate = messages["svc.yaml"]
    assert duplicate.startswith('integration "svc" is defined twice: here and at ')
    assert duplicate.endswith("tests/fixtures/config/duplicate_provider/gestalt.yaml:2:3")
    assert 'file name "Bad-Name" is not a valid integration name' in messages["Bad-Name.yaml"]


def test_two_files_with_the_same_stem(tmp_path: Path, write_config: Callable[..., Path]) -> None:
    path = write_config("{}\n")
    write_config("plugin: {openapi: https://x.test/a.json}\n", "providers.d/svc.yaml")
    write_config("plugin: {openapi: https://x.test/b.json}\n", "providers.d/svc.yml")
    issues = config_issues(path)
    assert len(issues) == 1 and "defined twice" in issues[0].message and "svc.yaml:1:1" in issues[0].message


def test_custom_providers_dir(write_config: Callable[..., Path]) -> None:
    path = write_config("providers_dir: defs\n")
    write_config("plugin: {openapi: https://x.test/a.json}\n", "defs/svc.yaml")
    assert set(load(path, env={}).integrations) == {"svc"}


def test_errors_in_provider_files_name_that_file(write_config: Callable[..., Path]) -> None:
    path = write_config("{}\n")
    provider = write_config("plugin:\n  openapi: https://x.test/a.json\n  bogus: 1\n", "providers.d/svc.yaml")
    issues = config_issues(path)
    assert [(i.file, i.line, i.col, i.message, i.pointer) for i in issues] == [
        (provider, 3, 3, 'unknown key "bogus"', "/plugin/bogus")
    ]
