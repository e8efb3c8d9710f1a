"""The ``authorization`` section and every provider file's grants as one ``AuthorizationSpec``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.config.merge import Entry
from engine.config.spec_authorization import (
    AssignmentSpec,
    AuthorizationSpec,
    GrantSpec,
    SubjectSpec,
)
from engine.config.yaml_tree import Document, escape


def build_authorization(main: Document, integrations: Mapping[str, Entry]) -> AuthorizationSpec | None:
    """None when gestalt.yaml has no ``authorization`` section: nothing is checked per call."""
    data = main.data if isinstance(main.data, dict) else {}
    section = data.get("authorization")
    if not isinstance(section, dict):
        return None
    roles: dict[str, list[GrantSpec]] = {}
    for role, grants in (section.get("roles") or {}).items():
        at = f"/authorization/roles/{escape(role)}"
        roles[role] = [_grant(g, main, f"{at}/{i}") for i, g in enumerate(grants or ())]
    for name in sorted(integrations):
        entry = integrations[name]
        for role, grants in (entry.data.get("authorization") or {}).items():
            at = f"{entry.pointer}/authorization/{escape(role)}"
            roles.setdefault(role, []).extend(
                _grant({**g, "integration": name}, entry.document, f"{at}/{i}")
                for i, g in enumerate(grants or ())
            )
    assignments = tuple(
        AssignmentSpec(
            subjects=tuple(SubjectSpec(*next(iter(s.items()))) for s in a["subjects"]),
            roles=tuple(a["roles"]),
            origin=main.origin(f"/authorization/assignments/{i}"),
        )
        for i, a in enumerate(section.get("assignments") or ())
    )
    return AuthorizationSpec(
        default=section.get("default") or "allow",
        roles={role: tuple(grants) for role, grants in roles.items()},
        assignments=assignments,
    )


def _grant(data: dict[str, Any], document: Document, pointer: str) -> GrantSpec:
    fields: dict[str, Any] = {k: v for k, v in data.items() if k in GrantSpec.__dataclass_fields__}
    for key in ("operations", "connections", "actions"):
        if key in fields:
            fields[key] = tuple(fields[key] or ())
    return GrantSpec(**fields, origin=document.origin(pointer))
