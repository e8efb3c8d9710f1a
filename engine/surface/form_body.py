"""Reading ``application/x-www-form-urlencoded`` bodies (the OAuth token endpoint, HTML forms):
every value of every field, in order; an unreadable body is 400 ``invalid form body``."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from litestar import Request
from litestar.exceptions import HTTPException

from engine.errors import InvalidFormBody

Form = dict[str, list[str]]


async def read_form(request: Request[Any, Any, Any]) -> Form:
    try:
        raw = await request.body()
        pairs = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(raw))
    except (HTTPException, UnicodeDecodeError, ValueError):  # over 1 MiB, not UTF-8, malformed
        raise InvalidFormBody() from None
    form: Form = {}
    for key, value in pairs:
        form.setdefault(key, []).append(value)
    return form


def single(form: Form, key: str) -> str:
    """The field's one value ("" when absent); a field given twice is refused."""
    values = form.get(key, [])
    if len(values) > 1:
        raise InvalidFormBody(f"{key} given more than once")
    return values[0] if values else ""
