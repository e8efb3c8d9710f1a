"""``${VAR}`` expansion over the raw text of a config file, before YAML sees it.

Supported: ``${NAME}`` (NAME = ``[A-Za-z0-9_]+``) and ``$$`` for a literal ``$``. Any other ``$`` is left
as written, so bare ``$VAR`` is *not* expanded (unlike the reference): shell-looking values in templates
and regexes survive. YAML comments are copied untouched. Lookup: ``NAME`` if set (even empty), else the
contents of the file named by ``NAME_FILE`` (trailing CR/LF stripped), else the empty string.

Where ``${NAME}`` is a whole value (``key: ${NAME}`` or ``- ${NAME}``) and its value holds YAML syntax
that would change the file's structure (`` #`` would start a comment and silently cut a passphrase,
a newline or ``: `` would add or break keys, surrounding spaces would be trimmed), the value goes in
as a double-quoted string, exactly as it is. Plain values (ports, URLs, flow lists like ``[a, b]``)
go in as written, so YAML still types them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import yaml

from engine.config.issues import ConfigIssue

_TOKEN = re.compile(r"\$\$|\$\{([A-Za-z0-9_]+)\}")
# A line whose value is exactly one ``${NAME}``: ``key: ${NAME}``, ``- ${NAME}``, ``- key: ${NAME}``.
_WHOLE_VALUE = re.compile(
    r"""(?P<head> [ \t]* (?:-[ \t]+)*              # indentation, sequence dashes
           (?: [^\s#'"{\[] [^#]*? :[ \t]+ | -[ \t]+ ))  # a plain key and its colon, or a last dash
        \$\{ (?P<name>[A-Za-z0-9_]+) \}
        (?P<tail> [ \t]* \r?\n? ) \Z""",
    re.VERBOSE,
)
# Values that would not come back from YAML as the same string if inserted as they are.
_STRUCTURAL = ("\n", "\r", "\t", " #", ": ")
_INDICATORS = ("'", '"', "#", "&", "*", "!", "|", ">", "%", "@", "`", "- ", "? ")


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
    comments, block_lines = _layout(text)
    out: list[str] = []
    line_map: list[int] = []
    for number, line in enumerate(text.splitlines(keepends=True), start=1):
        cut = comments.get(number, len(line))
        replace = partial(_replace, path=path, line=number, env=env, issues=issues)
        whole = None if number in block_lines else _WHOLE_VALUE.match(line[:cut])
        if whole is not None:
            value = _value(whole["name"], whole.start("name") - 1, path, number, env, issues)
            body = whole["head"] + _as_value(value) + whole["tail"]
        else:
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
    return _value(name, match.start() + 1, path, line, env, issues)


def _value(
    name: str, col: int, path: Path, line: int, env: Mapping[str, str], issues: list[ConfigIssue]
) -> str:
    try:
        return lookup(name, env)
    except OSError as exc:
        message = f"resolving {name}_FILE: {exc.strerror or exc}"
        issues.append(ConfigIssue(path, line, col, message))
        return ""


def _as_value(value: str) -> str:
    """``value`` as a YAML value that reads back as itself (see the module docstring)."""
    if value.startswith(("[", "{")) and "\n" not in value:
        return value  # a flow collection given on purpose
    if (
        any(mark in value for mark in _STRUCTURAL)
        or value.startswith(_INDICATORS)
        or value.endswith(":")
        or value != value.strip()
    ):
        return json.dumps(value, ensure_ascii=False)  # a JSON string is a YAML double-quoted scalar
    return value


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
    return _layout(text)[0]


def _layout(text: str) -> tuple[dict[int, int], set[int]]:
    """Where comments start (1-based line → column), and the lines inside block scalars."""
    try:
        spans, block_lines = _scan(text)
    except yaml.YAMLError:
        return _comment_starts_by_line(text), set()
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
    return starts, block_lines


# libyaml's scanner when PyYAML has it (same tokens and marks, several times faster).
_SCANNER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _scan(text: str) -> tuple[list[tuple[int, int]], set[int]]:
    """Character spans of every scalar token (a ``#`` inside one is content, not a comment), and
    the 1-based lines holding the content of ``|`` / ``>`` block scalars."""
    spans: list[tuple[int, int]] = []
    block_lines: set[int] = set()
    for token in yaml.scan(text, Loader=_SCANNER):
        if isinstance(token, yaml.ScalarToken):
            spans.append((token.start_mark.index, token.end_mark.index))
            if token.style in ("|", ">"):
                block_lines.update(range(token.start_mark.line + 2, token.end_mark.line + 2))
    return spans, block_lines


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
