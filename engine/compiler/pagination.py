"""Which operations follow pages (``engine.providers.paging``), chosen at startup. Pure.

One by one (``allowed_operations.<op>.paginate: true``: it must be able to) or many at once
(``response_mapping.paginate``: ``true`` or name patterns, matched against the exposed name and
the document's own; each pattern must match at least one operation that can be paginated, and
those that cannot are left as they are). An operation can be paginated when it takes the page
selector (``cursor_param``), or always with ``link`` pagination.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from fnmatch import fnmatchcase
from typing import TypeVar

from engine.compiler.model import Operation
from engine.compiler.selection import Named, Selected
from engine.config.spec import PaginationSpec, ResponseMappingSpec

Report = Callable[[str], None]
T = TypeVar("T", bound=Named)


def paginated_operations(
    mapping: ResponseMappingSpec | None,
    selected: Sequence[Selected[T]],
    ops: Mapping[str, Operation],
    report: Report,
) -> frozenset[str]:
    explicit = [s for s in selected if s.paginate]
    patterns = mapping.paginate if mapping is not None else ()
    if not explicit and not patterns:
        return frozenset()
    pagination = mapping.pagination if mapping is not None else None
    problem = setting_problem(pagination)
    if problem or pagination is None:
        report(f"paginated operations need response_mapping.pagination: {problem}")
        return frozenset()
    out: set[str] = set()
    for item in explicit:
        op = ops[item.draft.name]
        why = unpaginatable(op, pagination)
        if why:
            report(f'operation "{op.name}" sets paginate but {why}')
        else:
            out.add(op.name)
    for pattern in patterns:
        matched = [ops[s.draft.name] for s in selected if _matches(pattern, s)]
        found = [op.name for op in matched if not unpaginatable(op, pagination)]
        if not found:
            report(f'response_mapping.paginate: "{pattern}" matches no operation that {_takes(pagination)}')
        out.update(found)
    return frozenset(out)


def setting_problem(p: PaginationSpec | None) -> str:
    """What a pagination setting lacks to follow pages at all, or ""."""
    if p is None:
        return "it is not set"
    if p.style != "link" and not p.cursor_param:
        return f"style {p.style} needs cursor_param (the request parameter that selects the page)"
    if p.style == "cursor" and not (p.cursor_path or p.cursor_header):
        return "style cursor needs cursor_path or cursor_header (where the next cursor is)"
    return ""


def unpaginatable(op: Operation, p: PaginationSpec) -> str:
    if p.style == "link" or op.passthrough or p.cursor_param in op.by_name:
        return ""
    return f'it has no parameter "{p.cursor_param}" (response_mapping.pagination.cursor_param)'


def _matches(pattern: str, item: Selected[T]) -> bool:
    return fnmatchcase(item.draft.name, pattern) or fnmatchcase(item.original, pattern)


def _takes(p: PaginationSpec) -> str:
    return "can follow Link headers" if p.style == "link" else f'takes "{p.cursor_param}"'
