"""The ``host`` of an egress rule or grant: parsed once, for the config check and the policy alike.

Forms: an exact name or address (``api.github.com``, ``10.0.0.7``, ``[::1]``), optionally with a
port (without one, every port matches), or ``*.example.com`` for every subdomain of example.com.
Anything else (a URL, a path, a CIDR range, a wildcard elsewhere) is refused with a message saying
what to write instead, because a pattern that could never match would be silently ignored.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

_LABEL = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")


@dataclass(frozen=True, slots=True)
class HostPattern:
    host: str  # lower case; an IPv6 address without brackets; for a suffix, ".example.com"
    port: int | None = None
    suffix: bool = False

    def matches(self, host: str, port: int) -> bool:
        """``host`` as ``normal_host`` gives it, ``port`` the effective one (80/443 by default)."""
        if self.port is not None and port != self.port:
            return False
        return host.endswith(self.host) if self.suffix else host == self.host


def normal_host(host: str) -> str:
    """How hosts are compared: lower case, no trailing dot, IPv6 without brackets."""
    host = host.lower().rstrip(".")
    return host[1:-1] if host.startswith("[") and host.endswith("]") else host


def parse_host_pattern(text: str) -> HostPattern:
    """Raises ``ValueError`` with a message naming what is wrong."""
    value = text.strip().lower()
    if "://" in value:
        raise ValueError(f'"{text}" is a URL: write the host name alone, as in "api.example.com"')
    if "/" in value:
        raise ValueError(f'"{text}" has a "/": host matches a host name or address (no path, no CIDR range)')
    if value.startswith("*."):
        name, port = _split_port(value[2:], text)
        _check_name(name, text)
        return HostPattern("." + name.rstrip("."), port, suffix=True)
    if "*" in value:
        raise ValueError(f'"{text}": a wildcard is only allowed as a leading "*." (as in "*.example.com")')
    name, port = _split_port(value, text)
    if _is_ipv6(name):
        return HostPattern(str(ipaddress.IPv6Address(name)), port)
    _check_name(name, text)
    return HostPattern(name.rstrip("."), port)


def _split_port(value: str, text: str) -> tuple[str, int | None]:
    if value.startswith("["):
        address, bracket, rest = value[1:].partition("]")
        if not bracket or not _is_ipv6(address) or (rest and not rest.startswith(":")):
            raise ValueError(f'"{text}" is not a valid [IPv6 address] with an optional :port')
        return address, _port(rest[1:], text) if rest else None
    if value.count(":") > 1:
        return value, None  # a bare IPv6 address
    name, colon, port = value.partition(":")
    return name, _port(port, text) if colon else None


def _port(text: str, whole: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise ValueError(f'"{whole}" has an invalid port: expected a number from 1 to 65535')
    return int(text)


def _check_name(name: str, text: str) -> None:
    labels = name.rstrip(".").split(".")
    if not name or not all(_LABEL.match(label) for label in labels):
        raise ValueError(f'"{text}" is not a valid host name or address')


def _is_ipv6(text: str) -> bool:
    try:
        ipaddress.IPv6Address(text)
    except ValueError:
        return False
    return True
