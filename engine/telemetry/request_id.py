"""The id of the request being served: taken from a valid incoming ``X-Request-Id``, else new.

Kept in a context variable so every log line written while serving the request, and its audit
record, name it without passing it through every call (tasks the request starts inherit it).
"""

from __future__ import annotations

import os
import re
from contextvars import ContextVar

HEADER = b"x-request-id"

# Ids from a caller are honoured when they could not break a log line or a header: the
# characters UUIDs, hex, base64 and the usual tracing formats use, at most 128 of them.
_VALID = re.compile(r"[A-Za-z0-9._:+/=@-]{1,128}")

# RFC 9562's variant bits (10xx) on the 17th hex digit, whatever random digit was there.
_VARIANT = {d: "89ab"[int(d, 16) & 3] for d in "0123456789abcdef"}

REQUEST_ID: ContextVar[str] = ContextVar("gestalt_request_id", default="")


def new_request_id() -> str:
    """A UUID v4 from the OS's random source, formatted without ``uuid.UUID`` (a fifth of the
    cost; forked workers share no generator state, so no two of them repeat an id)."""
    h = os.urandom(16).hex()
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{_VARIANT[h[16]]}{h[17:20]}-{h[20:]}"


def accepted_or_new(incoming: bytes | None) -> str:
    """The caller's id when it is valid, else a fresh UUID v4."""
    if incoming:
        text = incoming.decode("latin-1")
        if _VALID.fullmatch(text):
            return text
    return new_request_id()


def current_request_id() -> str:
    """The id of the request this code runs for; empty outside a request."""
    return REQUEST_ID.get()
