"""Connecting integrations: connection names, OAuth flows, pending connections, credentials."""

from __future__ import annotations

from engine.errors.base import BadRequest, Conflict, GestaltError, NotFound


class UnknownConnection(BadRequest):
    def __init__(self, connection: str, integration: str) -> None:
        super().__init__(f'unknown connection "{connection}" on integration "{integration}"')


class ExplicitConnectionRequired(BadRequest):
    def __init__(self, integration: str) -> None:
        super().__init__(f'integration "{integration}" requires an explicit connection')


class InvalidConnectionParam(BadRequest):
    """A connect request's ``connection_params`` failed validation; the message names the key."""


class NoOAuthConnections(BadRequest):
    def __init__(self, integration: str) -> None:
        super().__init__(f'integration "{integration}" has no OAuth connections configured')


class OAuthNotSupported(BadRequest):
    def __init__(self, connection: str, integration: str) -> None:
        super().__init__(f'connection "{connection}" on integration "{integration}" does not support OAuth')


class ManualAuthNotSupported(BadRequest):
    def __init__(self, integration: str) -> None:
        super().__init__(
            f'integration "{integration}" does not support manual auth; use OAuth connect instead'
        )


class InvalidOAuthState(BadRequest):
    public_message = "invalid or expired oauth state"


class InvalidConnectConfirmation(BadRequest):
    """A connect confirmation that is unknown, expired, already used or another browser's."""

    public_message = "invalid or expired connection confirmation"


class ForeignConnectConfirmation(GestaltError):
    """A connect confirmation posted without the cookie of the browser that was shown the page."""

    status = 403
    public_message = "connection confirmation must be sent from the browser that was shown it"


class InvalidFormBody(BadRequest):
    public_message = "invalid form body"


class InvalidPendingConnection(BadRequest):
    """A pending-connection token was tampered with, malformed, or already used."""

    public_message = "invalid or expired pending connection"


class ExpiredPendingConnection(InvalidPendingConnection):
    status = 410


class PendingAuthorizationRequired(GestaltError):
    status = 401
    public_message = "pending connection authorization required"


class PendingConnectionNotFound(NotFound):
    """The caller is not the user who started the pending connection."""

    public_message = "pending connection not found"


class InvalidCandidateIndex(BadRequest):
    public_message = "invalid candidate index"


class CandidateNotFound(BadRequest):
    public_message = "candidate not found"


class ConnectionNotFound(NotFound):
    def __init__(self, integration: str, instance: str = "") -> None:
        suffix = f' instance "{instance}"' if instance else ""
        super().__init__(f'no connection found for integration "{integration}"{suffix}')


class MultipleConnections(Conflict):
    def __init__(self, integration: str, labels: list[str], hint: str) -> None:
        super().__init__(
            f'multiple connections exist for "{integration}" ([{" ".join(labels)}]); specify ?{hint}=NAME'
        )


class NoCredential(GestaltError):
    """412; ``how`` says what to do about it (the reference's OAuth hint unless told otherwise)."""

    status = 412

    def __init__(self, integration: str, how: str = "connect via OAuth first") -> None:
        super().__init__(f'no token stored for integration "{integration}"; {how}')


class PayloadTooLarge(GestaltError):
    status = 413
    public_message = "request body too large"
