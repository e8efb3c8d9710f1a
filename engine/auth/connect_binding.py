"""Which browser an integration OAuth flow belongs to, and the callbacks that must be confirmed.

A flow's authorization URL is a link anyone can forward: an attacker who starts a flow and sends
it to a victim would otherwise get the victim's approval stored in the attacker's account. So
``start-oauth`` hands the starting browser a random binding nonce (a cookie) and seals its digest
into the state. A callback is bound when it presents that nonce, or comes from a browser signed in
as the user who started the flow (a CLI's flow finished in the user's own browser). Any other
callback is not stored: its code and state wait here, as a one-time value, until the person in
that browser confirms on a page naming the account (``web/connect_confirm.py``).

The confirmation's key is derived from a handle the page carries and a nonce in a cookie set with
the page, so only that browser can use it, once, within ten minutes; the code never appears in the
page.
"""

from __future__ import annotations

import hmac
import json
import secrets
from dataclasses import dataclass

from engine.auth.oauth_state import STATE_TTL, OAuthState, parse_state, state_payload
from engine.crypto import hash_token
from engine.store import Store
from engine.store.records import utc_now

_PURPOSE = "oauth_confirm"


def new_nonce() -> str:
    return secrets.token_urlsafe(32)


def binding_digest(nonce: str) -> str:
    return hash_token("oauth-binding:" + nonce)[:32]


def started_here(state: OAuthState, nonce: str) -> bool:
    """Whether ``nonce`` (the callback's binding cookie) is the one the flow was started with."""
    return bool(state.binding and nonce) and hmac.compare_digest(state.binding, binding_digest(nonce))


@dataclass(frozen=True, slots=True)
class Confirmation:
    """A callback waiting for its browser's word: the flow's state and the authorization code."""

    state: OAuthState
    code: str


async def hold(store: Store, confirmation: Confirmation) -> tuple[str, str]:
    """Keep ``confirmation``; (the page's handle, the browser cookie's nonce)."""
    handle, nonce = new_nonce(), new_nonce()
    value = json.dumps({"st": state_payload(confirmation.state), "code": confirmation.code})
    await store.put_one_time(_key(handle, nonce), value, utc_now() + STATE_TTL)
    return handle, nonce


async def take(store: Store, handle: str, nonce: str) -> Confirmation | None:
    """The confirmation under (``handle``, ``nonce``), removed as it is read; None when unknown,
    expired, already taken, or held for another browser."""
    if not handle or not nonce:
        return None
    raw = await store.take_one_time(_key(handle, nonce))
    if raw is None:
        return None
    value = json.loads(raw)
    return Confirmation(parse_state(value["st"]), str(value["code"]))


def _key(handle: str, nonce: str) -> str:
    return f"{_PURPOSE}:{hash_token(handle + chr(0) + nonce)}"
