"""Platform sessions: opaque random ``gst_ses_…`` tokens of which only the SHA-256 is stored.

Because the store holds the session row, logout really revokes: the next request carrying the
token finds nothing. Expiry is enforced by the store query.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from engine.crypto import SESSION_TOKEN_PREFIX, hash_token, new_token
from engine.store import Store
from engine.store.records import utc_now


@dataclass(frozen=True, slots=True)
class IssuedSession:
    token: str = field(repr=False)
    expires_at: datetime
    ttl: timedelta


async def issue_session(store: Store, user_id: str, ttl: timedelta) -> IssuedSession:
    token = new_token(SESSION_TOKEN_PREFIX)
    expires_at = utc_now() + ttl
    await store.create_session(user_id, hash_token(token), expires_at)
    return IssuedSession(token=token, expires_at=expires_at, ttl=ttl)


async def revoke_session(store: Store, token: str) -> bool:
    """Delete the session behind ``token``; anything that is not a session token is ignored."""
    if not token.startswith(SESSION_TOKEN_PREFIX):
        return False
    return await store.delete_session(hash_token(token))
