"""``allowed_operations`` for spec-backed surfaces: filter, rename (alias), re-describe, paginate.

Unlike the reference's OpenAPI loader, unknown names are reported (they are almost always a typo
or a renamed upstream operation) and alias collisions are errors instead of last-one-wins.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

from engine.config.spec import PluginSpec


class Named(Protocol):
    name: str
    description: str


T = TypeVar("T", bound=Named)


@dataclass(slots=True)
class Selected(Generic[T]):
    draft: T
    original: str
    paginate: bool = False
    annotations: Mapping[str, bool] = field(default_factory=dict)  # the rule's MCP hint overrides


def select_operations(
    drafts: Sequence[T], plugin: PluginSpec, report: Callable[[str], None]
) -> list[Selected[T]]:
    """The exposed drafts, renamed in place; problems go to ``report``."""
    allowed = plugin.allowed_operations
    if allowed is None:
        return [Selected(d, d.name) for d in drafts]
    if not allowed:
        report("allowed_operations cannot be empty; omit the field to allow all")
        return []
    by_name = {d.name: d for d in drafts}
    unknown = [name for name in allowed if name not in by_name]
    if unknown:
        report(f"allowed_operations contains unknown operations: {', '.join(repr(u) for u in unknown)}")
    out: list[Selected[T]] = []
    exposed: dict[str, str] = {}
    for name, rule in allowed.items():
        draft = by_name.get(name)
        if draft is None:
            continue
        new_name = rule.alias or name
        if new_name in exposed:
            report(f"alias collisions: {exposed[new_name]!r} and {name!r} both resolve to {new_name!r}")
            continue
        exposed[new_name] = name
        draft.name = new_name
        draft.description = rule.description or draft.description
        out.append(Selected(draft, name, rule.paginate, rule.annotations))
    return out
