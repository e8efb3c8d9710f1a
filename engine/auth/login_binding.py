"""What a login start keeps server-side for its callback: the client's state, the CLI's loopback
port and the provider's secrets of the flow (OIDC: nonce, PKCE verifier, redirect URI).

Kept in the datastore as a one-time value under a hash of its key (the client's state for OIDC,
the one-time code for ``local``), so any replica can finish the login, exactly once, before it
expires. The state in the URL stays the client's own, so a single-page client's callback page can
compare it with what it sent (reference http-api §4.2); a CLI waiting on a loopback port gets the
reference's ``cli:<port>:<state>``, which the web client's callback page forwards to the port.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from engine.crypto import hash_token
from engine.store import Store
from engine.store.records import utc_now

_CLI_STATE = re.compile(r"^cli:(\d{1,5}):(.*)$", re.S)


@dataclass(frozen=True, slots=True)
class LoginBinding:
    client_state: str
    callback_port: int | None = None
    secrets: Mapping[str, str] = field(default_factory=dict, repr=False)
    return_to: str = ""

    @property
    def sent_state(self) -> str:
        """The ``state`` of the login URL."""
        if self.callback_port is None:
            return self.client_state
        return f"cli:{self.callback_port}:{self.client_state}"

    def matches(self, state: str) -> bool:
        """A callback's ``state``: as sent, or the client's own once a callback page unwrapped it."""
        return state in (self.sent_state, self.client_state)


def state_keys(state: str) -> list[str]:
    """The client states a callback's ``state`` may stand for: itself, and inside ``cli:<port>:``."""
    found = _CLI_STATE.match(state)
    return [state, found.group(2)] if found else [state]


async def bind(store: Store, purpose: str, key: str, binding: LoginBinding, ttl: timedelta) -> None:
    value: dict[str, object] = {
        "s": binding.client_state,
        "p": binding.callback_port or 0,
        "x": dict(binding.secrets),
    }
    if binding.return_to:
        value["t"] = binding.return_to
    await store.put_one_time(_store_key(purpose, key), json.dumps(value), utc_now() + ttl)


async def take(store: Store, purpose: str, key: str) -> LoginBinding | None:
    """The binding under ``key``, removed as it is read; None when absent, used or expired."""
    raw = await store.take_one_time(_store_key(purpose, key))
    if raw is None:
        return None
    value = json.loads(raw)
    port = value.get("p")
    port = port if isinstance(port, int) and port else None
    return LoginBinding(str(value["s"]), port, value["x"], str(value.get("t", "")))


def _store_key(purpose: str, key: str) -> str:
    return f"{purpose}:{hash_token(key)}"
