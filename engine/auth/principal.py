"""Who is calling: the authenticated principal every surface hands to the broker."""

from __future__ import annotations

from dataclasses import dataclass

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
