"""Where an outbound request goes, as the egress policy compares it: method, host, port, path.

Any part may be unknown (``None``) when the broker checks an operation before its credential is
read (a base URL that takes connection parameters, an MCP session's methods); a rule that needs
an unknown part cannot decide yet. The path is compared as an upstream would read it: the query
and fragment left out, percent-decoded once, empty and ``.`` segments dropped and ``..`` resolved,
so ``/public/../admin`` and ``/%61dmin`` are ``/admin`` to every rule.
"""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import unquote

from engine.config.host_pattern import normal_host

_DEFAULT_PORTS = {"http": 80, "https": 443}


class Target:
    __slots__ = ("method", "host", "port", "path", "_segments")

    def __init__(
        self, method: str | None, host: str | None = None, port: int = 0, path: str | None = None
    ) -> None:
        self.method = method.upper() if method is not None else None
        self.host = host
        self.port = port
        self.path = path
        self._segments: tuple[str, ...] | None = None

    @classmethod
    def of_url(cls, method: str | None, url: str) -> Target:
        scheme, _, rest = url.partition("://")
        cut = _first_of(rest, "/?#")
        host, port = _netloc(scheme.lower(), rest[:cut])
        path = rest[cut:]
        end = _first_of(path, "?#")
        return cls(method, host, port, path[:end] or "/")

    def segments(self) -> tuple[str, ...] | None:
        if self._segments is None and self.path is not None:
            self._segments = path_segments(self.path)
        return self._segments


def path_segments(path: str) -> tuple[str, ...]:
    decoded = unquote(path) if "%" in path else path
    out: list[str] = []
    for segment in decoded.split("/"):
        if segment in ("", "."):
            continue
        if segment == "..":
            if out:
                out.pop()
            continue
        out.append(segment)
    return tuple(out)


def _first_of(text: str, chars: str) -> int:
    found = [i for i in (text.find(c) for c in chars) if i >= 0]
    return min(found) if found else len(text)


@lru_cache(maxsize=1024)
def _netloc(scheme: str, netloc: str) -> tuple[str, int]:
    hostport = netloc.rpartition("@")[2]
    if hostport.startswith("["):
        host, _, rest = hostport.partition("]")
        host, port_text = host + "]", rest.removeprefix(":")
    elif hostport.count(":") == 1:
        host, _, port_text = hostport.partition(":")
    else:
        host, port_text = hostport, ""
    port = int(port_text) if port_text.isdigit() else _DEFAULT_PORTS.get(scheme, 0)
    return normal_host(host), port
