"""Authorization policies, compiled once at startup into a decision structure the broker asks once
per call, before any credential is read.

A caller's roles come from the assignments its principal matches (email, email domain, API
token id: three dict lookups). Each set of roles is compiled into ``Permissions`` once and kept;
a decision is remembered per (integration, operation, read-only, connection, action), so the hot
path of a repeated call is two dict lookups. Every grant that matches is considered: one with
``effect: deny`` wins over any allow; none matching gives the section's ``default``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from fnmatch import translate

from engine.auth.principal import Principal
from engine.compiler.connections import canonical_connection
from engine.config.spec_authorization import ANY_INTEGRATION, INVOKE, READ, AuthorizationSpec, GrantSpec

DEFAULT_RULE = "authorization.default"
_CACHE_SIZE = 10_000


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    rule: str  # the grant that decided ("authorization.roles.<role>[<i>]") or DEFAULT_RULE


@dataclass(frozen=True, slots=True)
class CallTarget:
    """What a decision is about; ``connection`` None: any connection (listings)."""

    integration: str
    operation: str
    read_only: bool
    connection: str | None = None
    action: str = INVOKE


@dataclass(frozen=True, slots=True)
class Grant:
    label: str
    integration: str
    exact: frozenset[str] | None  # None: every operation
    patterns: tuple[re.Pattern[str], ...]
    annotation: str
    connections: frozenset[str] | None
    actions: frozenset[str]
    deny: bool

    @property
    def total(self) -> bool:
        """Covers every operation and connection of its integrations."""
        return self.exact is None and not self.annotation and self.connections is None

    def matches(self, target: CallTarget) -> bool:
        if self.integration not in (ANY_INTEGRATION, target.integration) or target.action not in self.actions:
            return False
        if self.annotation and (self.annotation == "read_only") != target.read_only:
            return False
        if self.connections is not None and (
            # With the connection unknown, an allow covers the calls it allows; a deny is not total.
            target.connection not in self.connections if target.connection is not None else self.deny
        ):
            return False
        if self.exact is None:
            return True
        return target.operation in self.exact or any(p.match(target.operation) for p in self.patterns)


def compile_grant(label: str, spec: GrantSpec) -> Grant:
    names = [op for op in spec.operations if not set("*?[") & set(op)]
    globs = tuple(re.compile(translate(op)) for op in spec.operations if op not in names)
    actions = frozenset(spec.actions) | ({READ} if INVOKE in spec.actions else set())
    return Grant(
        label=label,
        integration=spec.integration or ANY_INTEGRATION,
        exact=frozenset(names) if spec.operations else None,
        patterns=globs,
        annotation=spec.annotation,
        connections=frozenset(canonical_connection(c) for c in spec.connections)
        if spec.connections
        else None,
        actions=actions,
        deny=spec.effect == "deny",
    )


class Permissions:
    """The grants of one set of roles, with the decisions already taken."""

    def __init__(self, grants: Iterable[Grant], default_allow: bool) -> None:
        self.grants = tuple(grants)
        self.default = Decision(default_allow, DEFAULT_RULE)
        self._decided: dict[CallTarget, Decision] = {}

    def decide(self, target: CallTarget) -> Decision:
        found = self._decided.get(target)
        if found is None:
            if len(self._decided) >= _CACHE_SIZE:
                self._decided.clear()
            found = self._decided[target] = self._evaluate(target)
        return found

    def may_read(self, integration: str) -> bool:
        """Whether the integration is listed: a grant of ``read`` (or ``invoke``) on some part of
        it, unless a deny takes the whole integration away."""
        on = [g for g in self.grants if g.integration in (ANY_INTEGRATION, integration) and READ in g.actions]
        if any(g.deny and g.total for g in on):
            return False
        return any(not g.deny for g in on) or self.default.allowed

    def _evaluate(self, target: CallTarget) -> Decision:
        allowed: Grant | None = None
        for grant in self.grants:
            if grant.matches(target):
                if grant.deny:
                    return Decision(False, grant.label)
                allowed = allowed or grant
        return Decision(True, allowed.label) if allowed is not None else self.default


class AuthorizationPolicy:
    def __init__(self, spec: AuthorizationSpec) -> None:
        self._default_allow = spec.default != "deny"
        self._roles = {
            role: tuple(compile_grant(f"authorization.roles.{role}[{i}]", g) for i, g in enumerate(grants))
            for role, grants in spec.roles.items()
        }
        self._order = {role: i for i, role in enumerate(spec.roles)}
        self._subjects: dict[tuple[str, str], set[str]] = {}
        for assignment in spec.assignments:
            for subject in assignment.subjects:
                value = subject.value if subject.kind == "token" else subject.value.lower()
                self._subjects.setdefault((subject.kind, value), set()).update(assignment.roles)
        self._by_roles: dict[frozenset[str], Permissions] = {}
        self._by_caller: dict[tuple[str, str], Permissions] = {}

    @staticmethod
    def from_spec(spec: AuthorizationSpec | None) -> AuthorizationPolicy | None:
        return AuthorizationPolicy(spec) if spec is not None else None

    def roles_of(self, principal: Principal) -> frozenset[str]:
        email = principal.email.lower()
        keys = [("email", email), ("domain", email.rpartition("@")[2]), ("token", principal.token_id)]
        return frozenset(role for key in keys for role in self._subjects.get(key, ()))

    def permissions(self, principal: Principal) -> Permissions:
        key = (principal.email, principal.token_id)
        found = self._by_caller.get(key)
        if found is None:
            if len(self._by_caller) >= _CACHE_SIZE:
                self._by_caller.clear()
            found = self._by_caller[key] = self._for_roles(self.roles_of(principal))
        return found

    def decide(self, principal: Principal, target: CallTarget) -> Decision:
        return self.permissions(principal).decide(target)

    def _for_roles(self, roles: frozenset[str]) -> Permissions:
        found = self._by_roles.get(roles)
        if found is None:
            ordered = sorted(roles, key=self._order.__getitem__)
            grants = (g for role in ordered for g in self._roles.get(role, ()))
            found = self._by_roles[roles] = Permissions(grants, self._default_allow)
        return found
