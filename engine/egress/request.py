"""The two values that cross the egress boundary: a rendered request and an upstream result."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from engine.egress.context import ENGINE, Decision, EgressContext


@dataclass(slots=True)
class OutboundRequest:
    """A fully rendered upstream call. ``url`` already carries the encoded query string."""

    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    # Who and what the request is for, for the egress policy; the policy's decision, for the
    # address guard (an allow rule naming the host lets it reach a link-local address).
    context: EgressContext = ENGINE
    decision: Decision | None = None


@dataclass(frozen=True, slots=True)
class Result:
    """A successful (< 400) upstream answer, replayed to the caller as-is. ``headers`` are the
    response's raw headers (read by pagination: ``Link``, a cursor header); none on a result
    the engine made itself."""

    status: int
    content_type: str
    body: bytes
    headers: Sequence[tuple[bytes, bytes]] = ()

    def header(self, name: str) -> str | None:
        return find_header(self.headers, name)


def find_header(headers: Sequence[tuple[bytes, bytes]], name: str) -> str | None:
    """The first value of a raw header, by name (any case)."""
    wanted = name.lower().encode("latin-1")
    for key, value in headers:
        if key.lower() == wanted:
            return value.decode("latin-1")
    return None
