"""The id of the request being served: taken from a valid incoming ``X-Request-Id``, else new.

Kept in a context variable so every log line written while serving the request, and its audit
record, name it without passing it through every call (tasks the request starts inherit it).
"""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar

HEADER = b"x-request-id"

# Ids from a caller are honoured when they could not break a log line or a header: the
# characters UUIDs, hex, base64 and the usual tracing formats use, at most 128 of them.
_VALID = re.compile(r"[A-Za-z0-9._:+/=@-]{1,128}")

REQUEST_ID: ContextVar[str] = ContextVar("gestalt_request_id", default="")


def new_request_id() -> str:
    return str(uuid.uuid4())


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
