"""The per-file stages: read → expand ``${VAR}`` → parse YAML → check against the file's schema."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from engine.config.expansion import expand
from engine.config.issues import ConfigIssue
from engine.config.schema_check import check
from engine.config.yaml_tree import Document, parse

YAML_SUFFIXES = (".yaml", ".yml")


def load_document(
    path: Path, env: Mapping[str, str], schema_name: str
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
        issues += check(document, schema_name)
    return document, issues


def yaml_files(directory: Path) -> list[Path]:
    """The ``*.yaml``/``*.yml`` files of a directory, sorted; nothing if it does not exist."""
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.iterdir() if p.suffix in YAML_SUFFIXES and p.is_file())
