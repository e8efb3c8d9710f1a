"""The sealed ``state`` of an integration OAuth flow (engine.md §11.3): who started it, for what,
the PKCE verifier, and the digest of the starting browser's binding cookie
(``auth/connect_binding.py``). AES-GCM sealed, valid 10 minutes, accepted once (in any replica)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from engine.crypto import Cipher, hash_token
from engine.errors import InvalidOAuthState, InvalidSealedToken
from engine.store import Store
from engine.store.records import utc_now

STATE_TTL = timedelta(minutes=10)


@dataclass(frozen=True, slots=True)
class OAuthState:
    user_id: str
    integration: str
    connection: str
    instance: str
    verifier: str = field(default="", repr=False)
    params: Mapping[str, str] = field(default_factory=dict)
    binding: str = field(default="", repr=False)


def seal_state(cipher: Cipher, state: OAuthState) -> str:
    return cipher.seal(state_payload(state), int(STATE_TTL.total_seconds()))


def state_payload(state: OAuthState) -> dict[str, Any]:
    payload: dict[str, Any] = {"uid": state.user_id, "int": state.integration}
    optional = {"con": state.connection, "ins": state.instance, "ver": state.verifier, "bnd": state.binding}
    payload.update({k: v for k, v in optional.items() if v})
    if state.params:
        payload["cp"] = dict(state.params)
    return payload


async def open_state(cipher: Cipher, store: Store, sealed: str) -> OAuthState:
    """Unseal and consume ``sealed``. Tampered, expired or replayed: 400 ``invalid or expired oauth
    state``."""
    try:
        payload = cipher.unseal(sealed)
    except InvalidSealedToken:
        raise InvalidOAuthState() from None
    state = parse_state(payload)
    if not await store.use_once("oauth_state:" + hash_token(sealed), utc_now() + STATE_TTL):
        raise InvalidOAuthState()
    return state


def parse_state(payload: Mapping[str, Any]) -> OAuthState:
    fields = {k: payload.get(k, "") for k in ("uid", "int", "con", "ins", "ver", "bnd")}
    params = payload.get("cp", {})
    if not all(isinstance(v, str) for v in fields.values()) or not isinstance(params, dict):
        raise InvalidOAuthState()
    if not fields["uid"] or not fields["int"]:
        raise InvalidOAuthState()
    if not all(isinstance(v, str) for v in params.values()):
        raise InvalidOAuthState()
    return OAuthState(
        fields["uid"], fields["int"], fields["con"], fields["ins"], fields["ver"], params, fields["bnd"]
    )
