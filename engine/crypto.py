"""Encryption at rest: key derivation, AES-256-GCM, sealed blobs, and token hashing.

Format compatible with the reference (engine.md §11): nonce ‖ ciphertext ‖ tag, standard base64 with
padding for stored values, base64url without padding for sealed blobs carried in URLs and cookies.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import secrets
import time
from collections.abc import Mapping
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from engine.errors import CryptoError, DecryptionError, ExpiredSealedToken, InvalidSealedToken

KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16

API_TOKEN_PREFIX = "gst_api_"
SESSION_TOKEN_PREFIX = "gst_ses_"

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


def hash_token(plaintext: str) -> str:
    """The only form in which API and session tokens are stored: SHA-256 hex of the whole token."""
    return hashlib.sha256(plaintext.encode("utf-8")).hexdigest()


def new_token(prefix: str = API_TOKEN_PREFIX) -> str:
    """A fresh bearer token: ``prefix`` + 64 lowercase hex characters (32 random bytes)."""
    return prefix + secrets.token_hex(32)


class Cipher:
    """AES-256-GCM under one key. Built once at startup and shared; it holds no per-call state."""

    def __init__(self, key: bytes) -> None:
        if len(key) != KEY_BYTES:
            raise CryptoError("encryption key must be 32 bytes")
        self._aead = AESGCM(key)

    def __repr__(self) -> str:
        return "Cipher(<key hidden>)"

    # ---- stored values: standard base64 with padding ----

    def encrypt(self, plaintext: str) -> str:
        if not plaintext:
            return ""
        return base64.b64encode(self._seal_bytes(plaintext.encode("utf-8"))).decode("ascii")

    def decrypt(self, ciphertext: str) -> str:
        if not ciphertext:
            return ""
        try:
            raw = base64.b64decode(ciphertext.encode("ascii"), validate=True)
        except (binascii.Error, UnicodeEncodeError) as exc:
            raise DecryptionError("ciphertext is not valid base64") from exc
        try:
            return self._open_bytes(raw).decode("utf-8")
        except UnicodeDecodeError:
            raise DecryptionError("plaintext is not UTF-8") from None  # the cause would quote plaintext

    # ---- sealed blobs (OAuth state, pending connections): base64url, no padding, with expiry ----

    def seal(self, obj: Mapping[str, Any], ttl_seconds: int, *, now: float | None = None) -> str:
        """Encrypt ``obj`` as JSON with an ``exp`` claim ``ttl_seconds`` from ``now``."""
        if "exp" in obj:
            raise CryptoError('sealed payload must not contain the reserved key "exp"')
        issued = int(time.time() if now is None else now)
        payload = json.dumps({**obj, "exp": issued + ttl_seconds}, separators=(",", ":"))
        raw = self._seal_bytes(payload.encode("utf-8"))
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")

    def unseal(self, token: str, *, now: float | None = None) -> dict[str, Any]:
        """Reverse ``seal``. Tampered, foreign or malformed → InvalidSealedToken; ``now > exp`` → expired."""
        try:
            raw = base64.urlsafe_b64decode(token.encode("ascii") + b"=" * (-len(token) % 4))
            opened = self._open_bytes(raw)
        except (binascii.Error, UnicodeEncodeError, DecryptionError) as exc:
            raise InvalidSealedToken() from exc
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

    # ---- nonce ‖ ciphertext ‖ tag ----

    def _seal_bytes(self, data: bytes) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, data, None)

    def _open_bytes(self, raw: bytes) -> bytes:
        if len(raw) < NONCE_BYTES + TAG_BYTES:
            raise DecryptionError("ciphertext too short")
        try:
            return self._aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], None)
        except InvalidTag as exc:
            raise DecryptionError() from exc
