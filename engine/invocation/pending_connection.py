"""A pending connection (spec §3, http-api §5.5): a credential waiting for its user to choose one
of the candidates discovery found. Nothing is stored until then: the token is the whole state,
sealed with the Cipher (AES-GCM, so the credential inside is encrypted), valid 30 minutes and
accepted once (in any replica) through ``store.use_once``. ``binding`` ties it to the browser that
was shown the selection page, for choosers who are not signed in."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from engine.crypto import Cipher, hash_token
from engine.errors import (
    ExpiredPendingConnection,
    ExpiredSealedToken,
    InvalidPendingConnection,
    InvalidSealedToken,
)
from engine.invocation.discovery import Candidate
from engine.store import CredentialData, Store
from engine.store.records import utc_now

PENDING_TTL = timedelta(minutes=30)


@dataclass(frozen=True, slots=True)
class PendingConnection:
    credential: CredentialData
    candidates: tuple[Candidate, ...]
    binding: str

    @staticmethod
    def create(credential: CredentialData, candidates: list[Candidate]) -> PendingConnection:
        return PendingConnection(credential, tuple(candidates), secrets.token_urlsafe(16))


def seal_pending(cipher: Cipher, pending: PendingConnection, ttl: timedelta = PENDING_TTL) -> str:
    data = pending.credential
    payload: dict[str, Any] = {
        "uid": data.user_id, "int": data.integration, "con": data.connection, "ins": data.instance,
        "at": data.access_token, "rt": data.refresh_token, "sc": data.scopes, "md": dict(data.metadata),
        "bnd": pending.binding,
        "cands": [{"id": c.id, "label": c.label, "params": dict(c.params)} for c in pending.candidates],
    }  # fmt: skip
    if data.expires_at is not None:
        payload["tex"] = int(data.expires_at.timestamp())
    return cipher.seal(payload, int(ttl.total_seconds()))


def open_pending(cipher: Cipher, sealed: str, *, now: float | None = None) -> PendingConnection:
    """400 ``invalid or expired pending connection`` (410 once expired, as of ``now``, a Unix
    time, by default the current one). Does not consume it."""
    try:
        payload = cipher.unseal(sealed, now=now)
    except ExpiredSealedToken:
        raise ExpiredPendingConnection() from None
    except InvalidSealedToken:
        raise InvalidPendingConnection() from None
    try:
        return _parse(payload)
    except (KeyError, TypeError, ValueError, OverflowError):
        raise InvalidPendingConnection() from None


async def consume_pending(store: Store, sealed: str) -> None:
    """Mark the token used; a second use (in any replica) is 400."""
    if not await store.use_once("pending_connection:" + hash_token(sealed), utc_now() + PENDING_TTL):
        raise InvalidPendingConnection()


def _parse(payload: Mapping[str, Any]) -> PendingConnection:
    texts = {k: payload[k] for k in ("uid", "int", "con", "ins", "at", "rt", "sc", "bnd")}
    if not all(isinstance(v, str) for v in texts.values()) or not isinstance(payload["md"], dict):
        raise TypeError("pending connection fields")
    expiry = payload.get("tex")
    credential = CredentialData(
        user_id=texts["uid"],
        integration=texts["int"],
        connection=texts["con"],
        instance=texts["ins"],
        access_token=texts["at"],
        refresh_token=texts["rt"],
        scopes=texts["sc"],
        expires_at=datetime.fromtimestamp(int(expiry), UTC) if expiry is not None else None,
        metadata=payload["md"],
    )
    candidates = tuple(_candidate(c) for c in payload["cands"])
    return PendingConnection(credential, candidates, texts["bnd"])


def _candidate(raw: Mapping[str, Any]) -> Candidate:
    ident, label, params = raw["id"], raw["label"], raw["params"]
    if not isinstance(ident, str) or not isinstance(label, str) or not isinstance(params, dict):
        raise TypeError("pending candidate")
    if not all(isinstance(v, str) for v in params.values()):
        raise TypeError("pending candidate params")
    return Candidate(ident, label, params)
