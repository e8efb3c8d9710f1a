"""The ``WWW-Authenticate`` challenge on a 401 (RFC 6750 §3, RFC 9728 §5.1): where a client finds
the protected-resource metadata and, through it, gestaltd's authorization server, so a host that
was given only a URL can obtain a token itself. A token that was presented but is unknown, revoked
or expired gets ``error="invalid_token"``, so a host can fall back to OAuth."""

from __future__ import annotations

from engine.errors import InvalidAuthorizationFormat, InvalidToken, MissingAuthorization, NotAuthenticated

_REJECTED_TOKEN = (InvalidToken, InvalidAuthorizationFormat)
_CHALLENGED = (MissingAuthorization, NotAuthenticated, *_REJECTED_TOKEN)


def challenge(exc: BaseException, metadata_url: str) -> tuple[bytes, bytes] | None:
    """The header for an authentication failure; None for every other error."""
    if not isinstance(exc, _CHALLENGED):
        return None
    value = f'Bearer resource_metadata="{metadata_url}"'
    if isinstance(exc, _REJECTED_TOKEN):
        value += ', error="invalid_token"'
    return b"www-authenticate", value.encode("latin-1")
