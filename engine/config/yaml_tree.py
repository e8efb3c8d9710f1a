"""YAML text → plain Python values plus a source map (JSON pointer → line, col).

Strict: duplicate keys are errors and YAML timestamps stay strings. Mapping keys are taken as
written (``on:`` is the string ``"on"``), since JSON Schema and the specs key everything by string.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from engine.config.expansion import ExpandedText
from engine.config.issues import ConfigIssue
from engine.config.spec import Origin

_MAX_DEPTH = 200


def _strict(base: type[yaml.SafeLoader]) -> type[yaml.SafeLoader]:
    """``base`` without the timestamp resolver: ``2024-01-01`` stays a string."""
    resolvers = {
        first: [(tag, regexp) for tag, regexp in entries if tag != "tag:yaml.org,2002:timestamp"]
        for first, entries in base.yaml_implicit_resolvers.items()
    }
    return type(f"Strict{base.__name__}", (base,), {"yaml_implicit_resolvers": resolvers})


# libyaml's parser when PyYAML was built with it: ~8x faster, same marks. Its syntax messages are
# terser ("found undefined alias" without the name), so a file that fails is re-read by the
# pure-Python loader for the message.
_PyLoader = _strict(yaml.SafeLoader)
_FastLoader = _strict(getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def escape(token: str) -> str:
    """Escape one JSON-pointer reference token."""
    return token.replace("~", "~0").replace("/", "~1")


@dataclass
class SourceMap:
    """Positions (1-based, in the original file) of every key and value, by JSON pointer."""

    keys: dict[str, tuple[int, int]] = field(default_factory=dict)
    values: dict[str, tuple[int, int]] = field(default_factory=dict)

    def position(self, pointer: str) -> tuple[int, int]:
        """The key's position if the pointer names a mapping entry, else its value; else the parent's."""
        while True:
            found = self.keys.get(pointer) or self.values.get(pointer)
            if found is not None:
                return found
            if not pointer:
                return (1, 1)
            pointer = pointer.rsplit("/", 1)[0]


@dataclass(frozen=True)
class Document:
    """One parsed file: its data, where each node sits, and the directory its relative paths use."""

    path: Path
    data: Any
    source: SourceMap

    @property
    def base_dir(self) -> Path:
        return self.path.parent

    def issue(self, pointer: str, message: str) -> ConfigIssue:
        line, col = self.source.position(pointer)
        return ConfigIssue(self.path, line, col, message, pointer)

    def origin(self, pointer: str) -> Origin:
        line, col = self.source.position(pointer)
        return Origin(self.path, pointer, line, col)


def parse(path: Path, expanded: ExpandedText) -> tuple[Document | None, list[ConfigIssue]]:
    """Compose the YAML and convert it; syntax errors become one positioned issue."""
    try:
        return _parse(path, expanded, _FastLoader)
    except yaml.YAMLError as fast_error:
        try:
            _parse(path, expanded, _PyLoader)
        except yaml.YAMLError as exc:
            return None, [_syntax_issue(path, expanded, exc)]
        return None, [_syntax_issue(path, expanded, fast_error)]


def _parse(
    path: Path, expanded: ExpandedText, loader_class: type[yaml.SafeLoader]
) -> tuple[Document | None, list[ConfigIssue]]:
    loader = loader_class(expanded.text)
    try:
        node = loader.get_single_node()
        builder = _Builder(path, expanded, loader)
        data = builder.value(node, "", 0) if node is not None else None
    finally:
        loader.dispose()
    return Document(path, data, builder.source), builder.issues


def _syntax_issue(path: Path, expanded: ExpandedText, exc: yaml.YAMLError) -> ConfigIssue:
    if not isinstance(exc, yaml.MarkedYAMLError):
        return ConfigIssue(path, 1, 1, f"invalid YAML: {exc}")
    mark = exc.problem_mark or exc.context_mark
    line = expanded.original_line(mark.line) if mark else 1
    col = mark.column + 1 if mark else 1
    parts = [p for p in (exc.context, exc.problem) if p]
    return ConfigIssue(path, line, col, "invalid YAML: " + ", ".join(parts))


class _Builder:
    def __init__(self, path: Path, expanded: ExpandedText, loader: yaml.SafeLoader) -> None:
        self.path = path
        self.expanded = expanded
        self.loader = loader
        self.source = SourceMap()
        self.issues: list[ConfigIssue] = []
        self.active: set[int] = set()

    def pos(self, node: yaml.Node) -> tuple[int, int]:
        return self.expanded.original_line(node.start_mark.line), node.start_mark.column + 1

    def value(self, node: yaml.Node, pointer: str, depth: int) -> Any:
        self.source.values.setdefault(pointer, self.pos(node))
        if isinstance(node, yaml.ScalarNode):
            return self.loader.construct_object(node, deep=True)
        if depth > _MAX_DEPTH or id(node) in self.active:
            message = "recursive YAML alias" if id(node) in self.active else "YAML nesting too deep"
            self.issues.append(ConfigIssue(self.path, *self.pos(node), message, pointer))
            return None
        self.active.add(id(node))
        try:
            if isinstance(node, yaml.MappingNode):
                return self.mapping(node, pointer, depth)
            return [self.value(item, f"{pointer}/{i}", depth + 1) for i, item in enumerate(node.value)]
        finally:
            self.active.discard(id(node))

    def mapping(self, node: yaml.MappingNode, pointer: str, depth: int) -> dict[str, Any]:
        result: dict[str, Any] = {}
        first_line: dict[str, int] = {}
        merged: list[yaml.Node] = []
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                merged.append(value_node)
                continue
            key = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else str(key_node)
            child = f"{pointer}/{escape(key)}"
            line, col = self.pos(key_node)
            if key in first_line:
                message = f'duplicate key "{key}": defined at line {first_line[key]} and line {line}'
                self.issues.append(ConfigIssue(self.path, line, col, message, child))
                continue
            first_line[key] = line
            self.source.keys.setdefault(child, (line, col))
            result[key] = self.value(value_node, child, depth + 1)
        for source in merged:
            self.merge_into(result, source, pointer, depth)
        return result

    def merge_into(self, result: dict[str, Any], node: yaml.Node, pointer: str, depth: int) -> None:
        """``<<: *anchor`` (or a list of them): explicit keys win over merged ones."""
        nodes = node.value if isinstance(node, yaml.SequenceNode) else [node]
        for item in nodes:
            if not isinstance(item, yaml.MappingNode):
                self.issues.append(ConfigIssue(self.path, *self.pos(item), "merge key needs a mapping"))
                continue
            for key, value in self.mapping(item, pointer, depth + 1).items():
                result.setdefault(key, value)
