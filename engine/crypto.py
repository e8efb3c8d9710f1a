"""Encryption at rest: key derivation, AES-256-GCM under a keyring, versioned envelopes, sealed blobs,
and token hashing.

Envelope ``g1``: ``g1.<key id>.<payload>``, payload = nonce ‖ ciphertext ‖ tag, standard base64 with
padding for stored values, base64url without padding for sealed blobs (URLs, cookies). The header and
the value's binding (the identity of the row it belongs to) are the associated data, so a value
copied to another row, or relabelled with another key id, does not open. "." is in neither base64
alphabet, which keeps the header unambiguous. Values written before the envelope (the reference's
format, engine.md §11: no header, no associated data) are still read under every configured key;
``gestaltd rotate-key`` rewrites them.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import secrets
import time
from collections.abc import Mapping, Sequence
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from engine.errors import (
    CryptoError,
    DecryptionError,
    ExpiredSealedToken,
    InvalidSealedToken,
    MisboundCiphertext,
    UnknownEncryptionKey,
)

KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16

API_TOKEN_PREFIX = "gst_api_"
SESSION_TOKEN_PREFIX = "gst_ses_"

ENVELOPE = "g1"
KEY_ID_CHARS = 8
HEADER_CHARS = len(ENVELOPE) + 1 + KEY_ID_CHARS + 1  # "g1.<id>."
_KEY_ID_LABEL = b"gestalt key id v1"
_SEALED = ("sealed",)
_ARGON2_SALT = b"gestalt-derivekey-v1"
_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")


def derive_key(secret: str) -> bytes:
    """Turn ``server.encryption_key`` into a 32-byte AES key. Slow (Argon2id): call once at startup."""
    if not secret:
        raise CryptoError("encryption key is empty")
    if len(secret) == 2 * KEY_BYTES and set(secret) <= _HEX_DIGITS:
        return bytes.fromhex(secret)
    from argon2.low_level import Type, hash_secret_raw  # only for passphrase keys

    return hash_secret_raw(
        secret=secret.encode("utf-8"),
        salt=_ARGON2_SALT,
        time_cost=3,
        memory_cost=65536,
        parallelism=4,
        hash_len=KEY_BYTES,
        type=Type.ID,
    )


def key_id(key: bytes) -> str:
    """A key's public name: a truncated HMAC of a fixed label under the key. It identifies the key
    without revealing anything about it (and without anyone having to choose or keep names)."""
    return hmac.new(key, _KEY_ID_LABEL, hashlib.sha256).hexdigest()[:KEY_ID_CHARS]


def hash_token(plaintext: str) -> str:
    """The only form in which API and session tokens are stored: SHA-256 hex of the whole token."""
    return hashlib.sha256(plaintext.encode("utf-8")).hexdigest()


def new_token(prefix: str = API_TOKEN_PREFIX) -> str:
    """A fresh bearer token: ``prefix`` + 64 lowercase hex characters (32 random bytes)."""
    return prefix + secrets.token_hex(32)


def _associated(header: str, binding: Sequence[str]) -> bytes:
    """The header and the binding as one unambiguous byte string. Joined with NUL when no part holds
    one (always, for what the store binds: Postgres text cannot): a NUL join is ~5x cheaper than a
    length prefix on every credential read. Otherwise length-prefixed, after a marker the joined
    form (which starts with the header) never has."""
    joined = "\0".join((header, *binding))
    if joined.count("\0") == len(binding):
        return joined.encode("utf-8")
    return ("\1" + "".join([f"{len(part)}:{part}" for part in (header, *binding)])).encode("utf-8")


class Cipher:
    """AES-256-GCM under a keyring: ``key`` writes (and reads), each of ``previous`` only reads.
    Built once at startup from derived keys and shared; it holds no per-call state."""

    def __init__(self, key: bytes, previous: Sequence[bytes] = ()) -> None:
        self._keys: dict[str, AESGCM] = {}
        for candidate in (key, *previous):
            if len(candidate) != KEY_BYTES:
                raise CryptoError("encryption key must be 32 bytes")
            kid = key_id(candidate)
            if kid in self._keys:
                raise CryptoError(f"encryption key {kid} is configured twice")
            self._keys[kid] = AESGCM(candidate)
        self.write_key_id = key_id(key)
        self.write_header = f"{ENVELOPE}.{self.write_key_id}."
        self._write = self._keys[self.write_key_id]

    def __repr__(self) -> str:
        return f"Cipher(write={self.write_key_id}, keys={len(self._keys)}, <keys hidden>)"

    @property
    def key_ids(self) -> tuple[str, ...]:
        """Every configured key's id, the write key first."""
        return tuple(self._keys)

    def is_current(self, ciphertext: str) -> bool:
        """True when ``ciphertext`` needs no rewrite: empty, or enveloped under the write key."""
        return not ciphertext or ciphertext.startswith(self.write_header)

    # ---- stored values: standard base64 with padding, bound to their row ----

    def encrypt(self, plaintext: str, *, bound_to: Sequence[str]) -> str:
        if not plaintext:
            return ""
        raw = self._seal_bytes(plaintext.encode("utf-8"), _associated(self.write_header, bound_to))
        return self.write_header + base64.b64encode(raw).decode("ascii")

    def decrypt(self, ciphertext: str, *, bound_to: Sequence[str]) -> str:
        if not ciphertext:
            return ""
        header, body = _split(ciphertext)
        try:
            raw = base64.b64decode(body.encode("ascii"), validate=True)
        except (binascii.Error, UnicodeEncodeError) as exc:
            raise DecryptionError("ciphertext is not valid base64") from exc
        opened = self._open_bytes(header, raw, bound_to) if header else self._open_legacy(raw)
        try:
            return opened.decode("utf-8")
        except UnicodeDecodeError:
            raise DecryptionError("plaintext is not UTF-8") from None  # the cause would quote plaintext

    # ---- sealed blobs (OAuth state, pending connections): base64url, no padding, with expiry ----

    def seal(self, obj: Mapping[str, Any], ttl_seconds: int, *, now: float | None = None) -> str:
        """Encrypt ``obj`` as JSON with an ``exp`` claim ``ttl_seconds`` from ``now``."""
        if "exp" in obj:
            raise CryptoError('sealed payload must not contain the reserved key "exp"')
        issued = int(time.time() if now is None else now)
        payload = json.dumps({**obj, "exp": issued + ttl_seconds}, separators=(",", ":"))
        raw = self._seal_bytes(payload.encode("utf-8"), _associated(self.write_header, _SEALED))
        return self.write_header + base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")

    def unseal(self, token: str, *, now: float | None = None) -> dict[str, Any]:
        """Reverse ``seal``. Tampered, foreign or malformed → InvalidSealedToken; ``now > exp`` → expired."""
        try:
            header, body = _split(token)
            raw = base64.urlsafe_b64decode(body.encode("ascii") + b"=" * (-len(body) % 4))
            opened = self._open_bytes(header, raw, _SEALED) if header else self._open_legacy(raw)
        except (binascii.Error, UnicodeEncodeError, DecryptionError) as exc:
            raise InvalidSealedToken() from exc
        return _claims(opened, now)

    # ---- nonce ‖ ciphertext ‖ tag ----

    def _seal_bytes(self, data: bytes, associated: bytes) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._write.encrypt(nonce, data, associated)

    def _open_bytes(self, header: str, raw: bytes, bound_to: Sequence[str]) -> bytes:
        kid = header[len(ENVELOPE) + 1 : -1]
        aead = self._keys.get(kid)
        if aead is None:
            _check_header(header)
            raise UnknownEncryptionKey(kid)
        try:
            return _open(aead, raw, _associated(header, bound_to))
        except InvalidTag:
            raise MisboundCiphertext() from None

    def _open_legacy(self, raw: bytes) -> bytes:
        """The pre-envelope format: no key id, no binding; whichever configured key opens it."""
        for aead in self._keys.values():
            try:
                return _open(aead, raw, None)
            except InvalidTag:
                continue
        raise DecryptionError()


def _split(value: str) -> tuple[str, str]:
    """(header, payload); the header is "" for the pre-envelope format. A header naming a
    configured key is well formed by construction; ``_check_header`` vets the others."""
    if not value.startswith(ENVELOPE + "."):
        return "", value
    return value[:HEADER_CHARS], value[HEADER_CHARS:]


def _check_header(header: str) -> None:
    kid = header[len(ENVELOPE) + 1 : -1]
    if header[-1:] != "." or len(kid) != KEY_ID_CHARS or not set(kid) <= _HEX_DIGITS:
        raise DecryptionError("malformed ciphertext header")


def _open(aead: AESGCM, raw: bytes, associated: bytes | None) -> bytes:
    if len(raw) < NONCE_BYTES + TAG_BYTES:
        raise DecryptionError("ciphertext too short")
    return aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], associated)


def _claims(opened: bytes, now: float | None) -> dict[str, Any]:
    try:
        payload = json.loads(opened)
    except ValueError:
        raise InvalidSealedToken() from None  # the cause would quote plaintext
    if not isinstance(payload, dict):
        raise InvalidSealedToken()
    exp = payload.pop("exp", None)
    if not isinstance(exp, int) or isinstance(exp, bool) or exp <= 0:
        raise InvalidSealedToken()
    if (time.time() if now is None else now) > exp:
        raise ExpiredSealedToken()
    return payload
