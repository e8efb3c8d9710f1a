"""Positions for issues found after loading.

Checks that run on the typed spec (secrets, the encryption key, the datastore and login settings)
know the JSON pointer of what they reject but not its line. Before issues are shown, each such one
is placed on the line of that pointer (or its nearest present parent) in the file it names, the
same way the loader places its own.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable, Mapping
from pathlib import Path

from engine.config.expansion import expand
from engine.config.issues import ConfigIssue, render_issues
from engine.config.yaml_tree import Document, parse


def located(issues: Iterable[ConfigIssue], env: Mapping[str, str] | None = None) -> list[ConfigIssue]:
    """``issues``, with a line and column for each one that has a pointer but no position."""
    documents: dict[Path, Document | None] = {}
    out: list[ConfigIssue] = []
    for issue in issues:
        if issue.line == 0 and issue.pointer:
            if issue.file not in documents:
                documents[issue.file] = _document(issue.file, os.environ if env is None else env)
            document = documents[issue.file]
            if document is not None:
                line, col = document.source.position(issue.pointer)
                issue = dataclasses.replace(issue, line=line, col=col)
        out.append(issue)
    return out


def rendered(issues: Iterable[object], fmt: str = "text") -> str:
    """The config issues among ``issues``, each on its line, rendered as ``render_issues`` does."""
    return render_issues(located(i for i in issues if isinstance(i, ConfigIssue)), fmt)


def _document(path: Path, env: Mapping[str, str]) -> Document | None:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    expanded, _ = expand(path, text, env)
    document, _ = parse(path, expanded)
    return document
