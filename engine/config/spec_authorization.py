"""Typed, frozen specs of the ``authorization`` section: roles, their grants, who holds them.

Defaults as in the schemas (``provider.schema.json#/$defs/authorizationGrant``); the broker's
``invocation.authorization`` compiles them once at startup.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from engine.config.origin import Origin

ANY_INTEGRATION = "*"
INVOKE = "invoke"
READ = "read"


@dataclass(frozen=True, slots=True)
class GrantSpec:
    """An action on an integration's operations and connections; an empty field matches anything."""

    integration: str = ANY_INTEGRATION
    operations: tuple[str, ...] = ()  # exact names or glob patterns
    annotation: str = ""  # read_only | write | "" (either)
    connections: tuple[str, ...] = ()
    actions: tuple[str, ...] = (INVOKE,)
    effect: str = "allow"  # allow | deny
    origin: Origin | None = None


@dataclass(frozen=True, slots=True)
class SubjectSpec:
    kind: str  # email | domain | token
    value: str


@dataclass(frozen=True, slots=True)
class AssignmentSpec:
    subjects: tuple[SubjectSpec, ...]
    roles: tuple[str, ...]
    origin: Origin | None = None


@dataclass(frozen=True, slots=True)
class AuthorizationSpec:
    default: str = "allow"
    # Role name → its grants, gestalt.yaml's first, then each provider file's (by integration name).
    roles: Mapping[str, tuple[GrantSpec, ...]] = field(default_factory=dict)
    assignments: tuple[AssignmentSpec, ...] = ()
