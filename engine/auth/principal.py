"""Who is calling: the authenticated principal every surface hands to the broker."""

from __future__ import annotations

from dataclasses import dataclass

from engine.egress.context import Subject

ANONYMOUS_EMAIL = "anonymous@gestalt"
IDENTITY_USER = "__identity__"
OPERATION_SEPARATOR = ":"


@dataclass(frozen=True, slots=True)
class Principal:
    email: str
    user_id: str = ""
    kind: str = "anonymous"  # anonymous | session | api_token
    # Integration names an API token may touch (wholly or in part); None = unrestricted.
    scopes: frozenset[str] | None = None
    token_id: str = ""
    # ``integration:operation`` scopes, and the integrations they restrict to those operations.
    operations: frozenset[str] = frozenset()
    limited: frozenset[str] = frozenset()
    mcp_tools: str = ""  # the token's /mcp mode (all | search); "" = the deployment's

    def may_use(self, integration: str) -> bool:
        return self.scopes is None or integration in self.scopes

    def may_call(self, integration: str, operation: str) -> bool:
        if self.scopes is None:
            return True
        if integration not in self.scopes:
            return False
        if integration not in self.limited:
            return True
        return f"{integration}{OPERATION_SEPARATOR}{operation}" in self.operations

    @property
    def scope_key(self) -> tuple[frozenset[str] | None, frozenset[str]]:
        """What decides which tools this principal sees (for views cached per scope set)."""
        return self.scopes, self.operations


def scoped(
    email: str,
    user_id: str,
    scopes: tuple[str, ...],
    *,
    kind: str = "api_token",
    token_id: str = "",
    mcp_tools: str = "",
) -> Principal:
    """A token's principal from its stored scopes: integration names, or ``integration:operation``
    for a single operation (empty: unrestricted)."""
    if not scopes:
        return Principal(email=email, user_id=user_id, kind=kind, token_id=token_id, mcp_tools=mcp_tools)
    operations = frozenset(s for s in scopes if OPERATION_SEPARATOR in s)
    whole = frozenset(s for s in scopes if OPERATION_SEPARATOR not in s)
    limited = frozenset(s.split(OPERATION_SEPARATOR, 1)[0] for s in operations) - whole
    return Principal(
        email=email,
        user_id=user_id,
        kind=kind,
        scopes=whole | limited,
        token_id=token_id,
        operations=operations,
        limited=limited,
        mcp_tools=mcp_tools,
    )


ANONYMOUS = Principal(email=ANONYMOUS_EMAIL)


def egress_subject(principal: Principal) -> Subject:
    """Who the egress policy sees (reference engine.md §12.4): a user by id, else an identity by
    email, else the shared identity."""
    if principal.user_id and principal.user_id != IDENTITY_USER:
        return Subject("user", principal.user_id)
    return Subject("identity", principal.email or IDENTITY_USER)


def user_subject(user_id: str) -> Subject:
    """The subject of a stored credential's owner (post-connect discovery)."""
    return Subject("identity" if user_id == IDENTITY_USER else "user", user_id)
