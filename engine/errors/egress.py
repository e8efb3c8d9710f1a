"""Outbound calls the engine refuses to send (502: the caller's request was fine, the target is not)."""

from __future__ import annotations

from engine.errors.upstream import UpstreamError


class EgressDenied(UpstreamError):
    """An outbound request was refused before it left the process. The message names the host
    (the operator's config or the caller's own input), never a credential."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"egress denied: {reason}")
