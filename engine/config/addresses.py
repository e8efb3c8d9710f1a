"""Host names, origins and proxy networks as ``server.allowed_hosts``, ``server.allowed_origins``
and ``server.trusted_proxies`` write them: parsed once here, by the config checks (which report
what is wrong) and by the request perimeter (``engine.surface``), so both read them alike."""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

_LABEL = re.compile(r"^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$")
DEFAULT_PORTS = {"http": 80, "https": 443}


def host_name(text: str) -> str | None:
    """``text`` as a bare host name or IP address (lowercase, IPv6 without brackets, no trailing
    dot), or ``None`` when it is not one (a scheme, port, path or other character)."""
    text = text.strip().lower()
    if text.startswith("[") and text.endswith("]"):
        return _ipv6(text[1:-1])
    if ":" in text:
        return _ipv6(text)
    text = text[:-1] if text.endswith(".") else text
    if not text or len(text) > 253:
        return None
    return text if all(_LABEL.match(label) for label in text.split(".")) else None


def _ipv6(text: str) -> str | None:
    try:
        return str(ipaddress.IPv6Address(text))
    except ValueError:
        return None


def split_host(header: str) -> tuple[str | None, int | None]:
    """A ``Host`` header (``name``, ``name:port``, ``[v6]:port``) as (host name, port); the name is
    ``None`` when it is not a valid one, the port ``None`` when absent or not a number."""
    header = header.strip()
    port: int | None = None
    if header.startswith("["):
        name, _, rest = header[1:].partition("]")
        digits = rest[1:] if rest.startswith(":") else ""
        port = int(digits) if digits.isdigit() else None
        return _ipv6(name), port
    name, sep, digits = header.rpartition(":") if header.count(":") == 1 else (header, "", "")
    if sep:
        if not digits.isdigit():
            return None, None
        port = int(digits)
    return host_name(name), port


def origin(text: str) -> tuple[str, str, int] | None:
    """An ``Origin`` (``scheme://host[:port]``, nothing after it) as (scheme, host name, port with
    the scheme's default filled in); ``None`` for ``null``, other schemes and anything else."""
    try:
        parts = urlsplit(text.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or parts.path not in ("", "/") or parts.query or parts.fragment:
        return None
    if parts.username is not None or parts.password is not None or not parts.hostname:
        return None
    name = host_name(parts.hostname)
    if name is None:
        return None
    return scheme, name, port if port is not None else DEFAULT_PORTS[scheme]


def url_origin(url: str) -> tuple[str, str, int] | None:
    """The origin of a URL that may carry a path (``server.base_url``), parsed as ``origin``."""
    scheme, sep, rest = url.partition("://")
    return origin(scheme + sep + rest.split("/", 1)[0]) if sep else None


def network(text: str) -> IPNetwork | None:
    """A CIDR (``10.0.0.0/8``, ``fd00::/8``) or a single address, else ``None``."""
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        return None


def is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True
