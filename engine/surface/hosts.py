"""Which ``Host`` names and which ``Origin``s are this server: the one allowed set both checks use.

A DNS-rebinding page makes the browser send its own name as ``Host`` (and as ``Origin``), so
neither header is ever compared with the other: both are compared with this set, built from the
config and from the address the server is bound to (``scope["server"]``, which the ASGI server
fills with the bound address and port).

- ``Host``: the host of ``server.base_url``, ``server.allowed_hosts``, the loopback names when the
  server listens on loopback (a wildcard bind included: localhost reaches it too). With neither
  ``base_url`` nor ``allowed_hosts`` on a non-loopback bind, IP addresses are accepted as well: a
  rebinding page can only ever send a name, so an address is safe, and the server stays reachable
  across a network by address until the operator names it.
- ``Origin``: ``base_url``'s origin, ``server.allowed_origins``, and pages served by an allowed host
  at the listening port (for ``allowed_hosts`` also at the scheme's default port, as behind a proxy).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from engine.config.addresses import DEFAULT_PORTS, host_name, is_ip, origin, split_host, url_origin
from engine.config.spec import ServerSpec

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
_WILDCARDS = frozenset({"", "0.0.0.0", "::"})


@dataclass(frozen=True, slots=True)
class Bind:
    """The address the server listens on, as the ASGI server reports it."""

    loopback: bool  # reachable as localhost: a loopback or wildcard bind
    loopback_only: bool
    port: int | None


def bind_of(server: Any) -> Bind:
    """``scope["server"]``: (host, port), the port possibly a string; ``None`` when unknown."""
    if not server:
        return Bind(False, False, None)
    host, port = str(server[0]).lower().strip("[]"), server[1]
    only = _is_loopback(host)
    number = int(port) if port is not None and str(port).isdigit() else None
    return Bind(only or host in _WILDCARDS, only, number)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class AllowedHosts:
    names: frozenset[str]  # base_url's host and allowed_hosts
    proxied: frozenset[str]  # allowed_hosts: their pages may also be at the default port
    origins: frozenset[tuple[str, str, int]]  # base_url's origin and allowed_origins
    named: bool  # the operator named this server (base_url or allowed_hosts)
    _binds: dict[Any, Bind] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_server(cls, server: ServerSpec) -> AllowedHosts:
        base = url_origin(server.base_url)
        proxied = frozenset(_parsed(host_name, server.allowed_hosts))
        origins = set(_parsed(origin, server.allowed_origins))
        names = set(proxied)
        if base is not None:
            origins.add(base)
            names.add(base[1])
        return cls(frozenset(names), proxied, frozenset(origins), bool(names))

    def bind(self, server: Any) -> Bind:
        key = tuple(server) if server else None
        found = self._binds.get(key)
        if found is None:
            found = self._binds[key] = bind_of(server)
        return found

    def host_allowed(self, header: str, bind: Bind) -> bool:
        name, _ = split_host(header)
        if name is None:
            return False
        if name in self.names or (bind.loopback and name in LOOPBACK_NAMES):
            return True
        return not self.named and not bind.loopback_only and is_ip(name)

    def origin_allowed(self, header: str, bind: Bind) -> bool:
        parsed = origin(header)
        if parsed is None:
            return False
        if parsed in self.origins:
            return True
        scheme, name, port = parsed
        at_listening_port = bind.port is not None and port == bind.port
        if name in self.proxied:
            return at_listening_port or port == DEFAULT_PORTS[scheme]
        if not at_listening_port:
            return False
        if bind.loopback and name in LOOPBACK_NAMES:
            return True
        return not self.named and not bind.loopback_only and is_ip(name)

    def unnamed_warning(self, address: str) -> str:
        """What ``serve`` logs when it listens beyond loopback and no name is configured."""
        if self.named or _is_loopback(address.lower()):
            return ""
        return (
            f"listening on {address} without server.base_url or server.allowed_hosts: requests are "
            "served for loopback names and IP addresses only; a request naming this server by a DNS "
            "name is refused (421) until server.allowed_hosts or server.base_url names it"
        )


def _parsed(parse: Any, values: Iterable[str]) -> list[Any]:
    return [p for p in (parse(v) for v in values) if p is not None]
