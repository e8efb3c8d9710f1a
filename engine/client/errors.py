"""What can go wrong talking to gestaltd, one class per exit code of the ``gestalt`` command.

| exit | class | when |
| --- | --- | --- |
| 1 | ``ServerError`` | the server failed (500) or answered something unexpected |
| 2 | ``UsageError`` | bad arguments, or the server refused the input (400, 405, 409) |
| 3 | ``AuthError`` | not logged in, token rejected or expired (401), not allowed (403), not connected (412) |
| 4 | ``NotFoundError`` | no such integration, operation, token or connection (404) |
| 5 | ``UpstreamError`` | the third-party API failed: its own error replayed, or gestaltd's 502/504 |
| 6 | ``UnreachableError`` | gestaltd itself could not be reached |
"""

from __future__ import annotations


class ClientError(Exception):
    """A failure with a message for people and an exit code for scripts."""

    exit_code = 1

    def __init__(self, message: str, *, status: int = 0, body: bytes = b"", hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.body = body
        self.hint = hint


class ServerError(ClientError):
    exit_code = 1


class UsageError(ClientError):
    exit_code = 2


class AuthError(ClientError):
    exit_code = 3


class NotFoundError(ClientError):
    exit_code = 4


class UpstreamError(ClientError):
    exit_code = 5


class UnreachableError(ClientError):
    exit_code = 6


def for_status(status: int) -> type[ClientError]:
    """The class of a gestaltd error answer (``{"error": ...}``) with this status."""
    if status in (401, 403, 412):
        return AuthError
    if status == 404:
        return NotFoundError
    if status in (502, 504):
        return UpstreamError
    if 400 <= status < 500:
        return UsageError
    return ServerError
