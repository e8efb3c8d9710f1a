"""``load``: the whole config pipeline, one named stage after another, collecting every issue.

read → expand ``${VAR}`` → YAML (+ source map) → JSON Schema → merge providers.d / bindings.d →
structural and cross-reference rules → typed frozen specs (defaults, relative paths resolved).
Entries with schema errors are not built or rule-checked, so one typo does not cascade.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.config import schemas
from engine.config.build import build_config, build_integrations
from engine.config.build_authorization import build_authorization
from engine.config.build_binding import build_binding
from engine.config.files import load_document, yaml_files
from engine.config.issues import ConfigIssue, sorted_issues
from engine.config.merge import Entry, file_entries, inline_entries, merge
from engine.config.paths import resolve_dir
from engine.config.rules_authorization import authorization_issues
from engine.config.rules_binding import binding_issues
from engine.config.rules_deployment import deployment_issues
from engine.config.rules_egress import egress_issues
from engine.config.rules_integration import integration_issues
from engine.config.rules_plugin import plugin_issues
from engine.config.schema_memo import SchemaMemo
from engine.config.spec import ConfigSpec
from engine.config.yaml_tree import Document
from engine.errors import ConfigError


@dataclass
class _Run:
    env: Mapping[str, str]
    memo: SchemaMemo | None = None
    issues: list[ConfigIssue] = field(default_factory=list)

    def document(self, path: Path, schema: str) -> Document | None:
        document, issues = load_document(path, self.env, schema, self.memo)
        self.issues += issues
        return document

    def dirty(self, document: Document, pointer: str) -> bool:
        """Whether a schema/YAML issue lies inside ``pointer`` of ``document``."""
        inside = (lambda p: True) if not pointer else (lambda p: p == pointer or p.startswith(pointer + "/"))
        return any(i.file == document.path and inside(i.pointer) for i in self.issues)


def load(
    path: str | Path, env: Mapping[str, str] | None = None, *, memo: SchemaMemo | None = None
) -> ConfigSpec:
    """Load and validate a config; ``ConfigError`` carries every issue found. ``memo``: skip the
    JSON Schema check of files that passed it unchanged before (``serve``; see schema_memo)."""
    spec, issues = load_partial(path, env, memo=memo)
    if issues or spec is None:
        raise ConfigError(list(sorted_issues(issues)))
    return spec


def load_partial(
    path: str | Path, env: Mapping[str, str] | None = None, *, memo: SchemaMemo | None = None
) -> tuple[ConfigSpec | None, list[ConfigIssue]]:
    """Every issue, plus the spec built from the entries that have none (for ``validate``, which
    goes on to compile those and report their problems too). The spec is None when the
    deployment file itself cannot be built."""
    config_path = Path(path).absolute()
    run = _Run(os.environ if env is None else env, memo)
    main = run.document(config_path, schemas.GESTALT)
    if main is None:
        return None, list(sorted_issues(run.issues))
    data = main.data if isinstance(main.data, dict) else {}
    dirs = (
        _dir_setting(main, data, "providers_dir", "providers.d"),
        _dir_setting(main, data, "bindings_dir", "bindings.d"),
    )
    integrations = _entries(run, main, dirs[0], "integrations", "integration", schemas.PROVIDER)
    bindings = _entries(run, main, dirs[1], "bindings", "binding", schemas.BINDING)
    sections = ("server", "auth", "egress", "authorization")
    dirty = {section for section in sections if run.dirty(main, f"/{section}")}
    run.issues += deployment_issues(main, dirty)
    if "egress" not in dirty:
        run.issues += egress_issues(main, integrations)
    if "authorization" not in dirty:
        run.issues += authorization_issues(main, _clean(run, integrations))
    clean_integrations = _clean(run, integrations)
    clean_bindings = _clean(run, bindings)
    for entry in clean_integrations.values():
        run.issues += plugin_issues(entry) + integration_issues(entry)
    for entry in clean_bindings.values():
        run.issues += binding_issues(entry, integrations)
    issues = list(sorted_issues(run.issues))
    if issues:
        # Entries that passed the schema still build; rule issues don't make them unbuildable.
        integrations, bindings = clean_integrations, clean_bindings
        if any(
            i.file == main.path and not i.pointer.startswith(("/integrations", "/bindings")) for i in issues
        ):
            return None, issues
    return _build(main, data, integrations, bindings, dirs, issues), issues


def _build(
    main: Document,
    data: dict[str, Any],
    integrations: Mapping[str, Entry],
    bindings: Mapping[str, Entry],
    dirs: tuple[Path, Path],
    issues: list[ConfigIssue],
) -> ConfigSpec | None:
    """The typed spec; with issues already reported, partial data that does not build is None."""
    try:
        built_bindings = {name: build_binding(entry) for name, entry in bindings.items()}
        integration_specs = build_integrations(integrations)
        authorization = build_authorization(main, integrations)
        return build_config(
            main.path, data, integration_specs, built_bindings, dirs, main.origin, authorization=authorization
        )
    except Exception:
        if not issues:
            raise
        return None


def _dir_setting(main: Document, data: Mapping[str, object], key: str, default: str) -> Path:
    value = data.get(key)
    return resolve_dir(value if isinstance(value, str) else None, default, main.base_dir)


def _entries(
    run: _Run, main: Document, directory: Path, section: str, kind: str, schema: str
) -> dict[str, Entry]:
    documents = [d for p in yaml_files(directory) if (d := run.document(p, schema)) is not None]
    from_files, issues = file_entries(documents, kind)
    merged, duplicates = merge([*inline_entries(main, section, kind), *from_files])
    run.issues += issues + duplicates
    return merged


def _clean(run: _Run, entries: Mapping[str, Entry]) -> dict[str, Entry]:
    return {name: e for name, e in entries.items() if not run.dirty(e.document, e.pointer)}
