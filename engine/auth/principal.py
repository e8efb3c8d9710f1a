"""Who is calling: the authenticated principal every surface hands to the broker."""

from __future__ import annotations

from dataclasses import dataclass

from engine.egress.context import Subject

ANONYMOUS_EMAIL = "anonymous@gestalt"
IDENTITY_USER = "__identity__"


@dataclass(frozen=True, slots=True)
class Principal:
    email: str
    user_id: str = ""
    kind: str = "anonymous"  # anonymous | session | api_token
    # Integration names an API token is restricted to; None = unrestricted.
    scopes: frozenset[str] | None = None
    token_id: str = ""

    def may_use(self, integration: str) -> bool:
        return self.scopes is None or integration in self.scopes


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
