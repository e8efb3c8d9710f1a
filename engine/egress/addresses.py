"""Which network addresses an outbound request may reach, checked after DNS resolution.

The pool resolves a host itself, asks the guard about every address it resolved to, and connects
only to addresses it checked, so a hostname that resolves to a metadata service (or is rebound to
one between a check and the connect) is refused like the literal address. A guard whose verdict
depends on the request (``per_request``) is also asked for every request a pooled connection
carries. The default guard denies link-local addresses (IPv4 169.254.0.0/16, which holds the cloud
metadata services, and IPv6 fe80::/10) and AWS's IPv6 metadata address, in IPv4-mapped form too;
loopback stays allowed. The egress policy replaces the guard to allow such an address for the
requests a rule names.
"""

from __future__ import annotations

import ipaddress
from typing import Protocol

from engine.egress.request import OutboundRequest
from engine.errors import EgressDenied

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

METADATA_V6 = ipaddress.IPv6Address("fd00:ec2::254")


class AddressGuard(Protocol):
    # False: the verdict depends on the address alone, so a pooled connection, checked when it
    # was opened, is not checked again for each request it carries (a policy sets True).
    per_request: bool

    def check(self, request: OutboundRequest, host: str, address: IPAddress) -> None:
        """Raise ``EgressDenied`` when ``request`` may not go to ``address`` (resolved from ``host``)."""


def is_link_local_or_metadata(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_link_local or address == METADATA_V6


class DenyLinkLocal:
    """The guard in force until an egress policy says otherwise."""

    per_request = False

    def check(self, request: OutboundRequest, host: str, address: IPAddress) -> None:
        if is_link_local_or_metadata(address):
            raise EgressDenied(f"{host} is a link-local or cloud metadata address")


def parse_address(text: str) -> IPAddress:
    """An address as ``getaddrinfo`` or a URL gives it (an IPv6 zone suffix dropped)."""
    return ipaddress.ip_address(text.partition("%")[0])
