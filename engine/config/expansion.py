"""``${VAR}`` expansion over the raw text of a config file, before YAML sees it.

Supported: ``${NAME}`` (NAME = ``[A-Za-z0-9_]+``) and ``$$`` for a literal ``$``. Any other ``$`` is left
as written, so bare ``$VAR`` is *not* expanded (unlike the reference): shell-looking values in templates
and regexes survive. YAML comments are copied untouched. Lookup: ``NAME`` if set (even empty), else the
contents of the file named by ``NAME_FILE`` (trailing CR/LF stripped), else the empty string.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import yaml

from engine.config.issues import ConfigIssue

_TOKEN = re.compile(r"\$\$|\$\{([A-Za-z0-9_]+)\}")


@dataclass(frozen=True, slots=True)
class ExpandedText:
    """Expanded text plus, per expanded line (0-based index), the 1-based line it came from."""

    text: str
    line_map: tuple[int, ...]

    def original_line(self, expanded_line: int) -> int:
        if not self.line_map:
            return expanded_line + 1
        return self.line_map[min(expanded_line, len(self.line_map) - 1)]


def expand(path: Path, text: str, env: Mapping[str, str]) -> tuple[ExpandedText, list[ConfigIssue]]:
    """Expand every line outside comments; report ``NAME_FILE`` read failures as issues."""
    issues: list[ConfigIssue] = []
    comments = comment_starts(text)
    out: list[str] = []
    line_map: list[int] = []
    for number, line in enumerate(text.splitlines(keepends=True), start=1):
        cut = comments.get(number, len(line))
        replace = partial(_replace, path=path, line=number, env=env, issues=issues)
        body = _TOKEN.sub(replace, line[:cut])
        expanded = body + line[cut:]
        out.append(expanded)
        line_map.extend([number] * max(1, len(expanded.splitlines())))
    return ExpandedText("".join(out), tuple(line_map)), issues


def _replace(
    match: re.Match[str], path: Path, line: int, env: Mapping[str, str], issues: list[ConfigIssue]
) -> str:
    name = match.group(1)
    if name is None:
        return "$"
    try:
        return lookup(name, env)
    except OSError as exc:
        message = f"resolving {name}_FILE: {exc.strerror or exc}"
        issues.append(ConfigIssue(path, line, match.start() + 1, message))
        return ""


def lookup(name: str, env: Mapping[str, str]) -> str:
    """The value of ``name``; falls back to the file named by ``name_FILE``; unset → ``""``."""
    if name in env:
        return env[name]
    file_name = env.get(f"{name}_FILE", "")
    if file_name:
        return Path(file_name).read_text(encoding="utf-8").rstrip("\r\n")
    return ""


def comment_starts(text: str) -> dict[int, int]:
    """1-based line → column offset where a YAML comment starts on that line."""
    try:
        spans = _scalar_spans(text)
    except yaml.YAMLError:
        return _comment_starts_by_line(text)
    starts: dict[int, int] = {}
    offset = 0
    span_index = 0
    for number, line in enumerate(text.splitlines(keepends=True), start=1):
        for col, char in enumerate(line):
            if char != "#" or (col > 0 and line[col - 1] not in " \t"):
                continue
            pos = offset + col
            while span_index < len(spans) and spans[span_index][1] <= pos:
                span_index += 1
            if span_index < len(spans) and spans[span_index][0] <= pos:
                continue
            starts[number] = col
            break
        offset += len(line)
    return starts


def _scalar_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of every scalar token: a ``#`` inside one is content, not a comment."""
    return [
        (token.start_mark.index, token.end_mark.index)
        for token in yaml.scan(text, Loader=yaml.SafeLoader)
        if isinstance(token, yaml.ScalarToken)
    ]


def _comment_starts_by_line(text: str) -> dict[int, int]:
    """Fallback for text the YAML scanner rejects: quote-aware, one line at a time."""
    starts: dict[int, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        quote = ""
        for col, char in enumerate(line):
            if quote:
                quote = "" if char == quote else quote
            elif char in "'\"" and (col == 0 or line[col - 1] in " \t:[{,-"):
                quote = char
            elif char == "#" and (col == 0 or line[col - 1] in " \t"):
                starts[number] = col
                break
    return starts
