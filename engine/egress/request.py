"""The two values that cross the egress boundary: a rendered request and an upstream result."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class OutboundRequest:
    """A fully rendered upstream call. ``url`` already carries the encoded query string."""

    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    # For policy and audit only: never rendered into logs with header values.
    integration: str = ""
    operation: str = ""


@dataclass(frozen=True, slots=True)
class Result:
    """A successful (< 400) upstream answer, replayed to the caller as-is."""

    status: int
    content_type: str
    body: bytes
