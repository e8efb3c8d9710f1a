"""Outbound requests the engine refuses to send (403: the egress rules forbid the target) or
cannot complete for want of a granted credential (502: the server's own configuration)."""

from __future__ import annotations

from engine.errors.base import GestaltError
from engine.errors.upstream import UpstreamError


class EgressDenied(GestaltError):
    """An outbound request was refused before it left the process. The message names the host
    or path (the operator's config or the caller's own input), never a credential."""

    status = 403

    def __init__(self, reason: str) -> None:
        super().__init__(f"egress denied: {reason}")


class EgressPolicyDenied(EgressDenied):
    """A policy rule (or the default action) denied it: the reference's message, without the
    query string (where an auth mapping may have put a credential)."""

    def __init__(self, method: str, path: str) -> None:
        GestaltError.__init__(self, f"egress denied by policy: {method} {path}")


class EgressCredentialUnavailable(UpstreamError):
    """A credential grant matched but its secret could not be read. The grant is named; the cause
    (which never holds a value) goes to the log, not to the caller."""

    def __init__(self, grant: str) -> None:
        super().__init__(f"egress credential unavailable: {grant}")
