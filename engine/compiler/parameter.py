"""An operation's parameter, compiled: where it goes on the wire and what it accepts.

Its own module because both the operation (``model.py``) and its request shape (``request.py``)
are made of parameters.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.config.spec import MISSING

# Methods whose unlocated/undeclared parameters default to the query string.
QUERY_METHODS = frozenset({"GET", "DELETE", "HEAD"})


@dataclass(frozen=True, slots=True)
class Parameter:
    name: str
    type: str  # string | integer | number | boolean | array | object
    location: str  # path | query | header | body | template (used only by the operation's templates)
    required: bool = False
    description: str = ""
    default: Any = MISSING
    enum: tuple[Any, ...] | None = None
    wire_name: str = ""  # name on the wire when it differs (OpenAPI)
    style: str = ""  # compiled style of a path/query/header value ("" = its location's default)

    @property
    def key(self) -> str:
        return self.wire_name or self.name
