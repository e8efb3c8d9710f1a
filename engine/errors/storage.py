"""Server-side failures (5xx): internal errors, readiness, the store and crypto."""

from __future__ import annotations

from engine.errors.base import BadRequest, GestaltError


class InternalError(GestaltError):
    status = 500
    public_message = "internal error"


class NotReady(GestaltError):
    status = 503
    public_message = "service starting"


class StoreError(InternalError):
    """The datastore failed. The message never holds row values; the driver error is chained."""

    public_message = "datastore operation failed"


class UnknownStoreProvider(StoreError):
    def __init__(self, provider: str) -> None:
        super().__init__(f'unknown datastore provider "{provider}" (expected "sqlite" or "postgres")')


class CryptoError(InternalError):
    public_message = "encryption error"


class DecryptionError(CryptoError):
    """Ciphertext was malformed, tampered with, or sealed under another key."""

    public_message = "decryption failed"


class UnknownEncryptionKey(DecryptionError):
    """The value names a key id that is not configured (a key removed before rotate-key ran)."""

    def __init__(self, key_id: str) -> None:
        super().__init__(f"stored secret was encrypted under key {key_id}, which is not configured")


class MisboundCiphertext(DecryptionError):
    """The value's key is configured but it does not open: copied from another row, or altered."""

    public_message = "stored secret does not belong to this row, or was altered"


class InvalidSealedToken(BadRequest):
    """A sealed blob (OAuth state, pending connection) was tampered with, malformed or expired."""

    public_message = "invalid or expired state"


class ExpiredSealedToken(InvalidSealedToken):
    pass
