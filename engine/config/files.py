"""The per-file stages: read → expand ``${VAR}`` → parse YAML → check against the file's schema."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from engine.config.expansion import expand
from engine.config.issues import ConfigIssue
from engine.config.schema_memo import SchemaMemo, drop_paths
from engine.config.yaml_tree import Document, parse

YAML_SUFFIXES = (".yaml", ".yml")


def load_document(
    path: Path, env: Mapping[str, str], schema_name: str, memo: SchemaMemo | None = None
) -> tuple[Document | None, list[ConfigIssue]]:
    """One file through every per-file stage; ``None`` when it could not be read or parsed."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        return None, [ConfigIssue(path, 0, 0, f"reading config file: {reason}")]
    expanded, issues = expand(path, text, env)
    document, parse_issues = parse(path, expanded)
    issues += parse_issues
    if document is not None:
        issues += _schema_issues(document, schema_name, expanded.text, memo)
    return document, issues


def _schema_issues(
    document: Document, schema_name: str, text: str, memo: SchemaMemo | None
) -> list[ConfigIssue]:
    key = memo.key(schema_name, text) if memo is not None else ""
    if memo is not None:
        dropped = memo.lookup(key)
        if dropped is not None:
            drop_paths(document.data, dropped)
            return []
    from engine.config.schema_check import check_document  # jsonschema: only when checking

    issues, dropped = check_document(document, schema_name)
    if memo is not None and not issues:
        memo.remember(key, dropped)
    return issues


def yaml_files(directory: Path) -> list[Path]:
    """The ``*.yaml``/``*.yml`` files of a directory, sorted; nothing if it does not exist."""
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.iterdir() if p.suffix in YAML_SUFFIXES and p.is_file())
