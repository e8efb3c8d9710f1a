"""Which network addresses an outbound request may reach, checked after DNS resolution.

The pool resolves a host itself, asks the guard about every address it resolved to, and connects
only to addresses it checked, so a hostname that resolves to a metadata service (or is rebound to
one between a check and the connect) is refused like the literal address. The default guard denies
link-local addresses (IPv4 169.254.0.0/16, which holds the cloud metadata services, and IPv6
fe80::/10) and AWS's IPv6 metadata address, in IPv4-mapped form too; loopback stays allowed. A
request the egress policy allowed by a rule that names its host (``Decision.names_host``) may
reach such an address: that is the one way to allow it, and only for the requests the rule names.
So a pooled connection to such an address is checked again for every request it carries; one to
any other address, checked when it was opened, is not (the hot path pays nothing per request).
"""

from __future__ import annotations

import ipaddress
from typing import Protocol

from engine.egress.request import OutboundRequest
from engine.errors import EgressDenied

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

METADATA_V6 = ipaddress.IPv6Address("fd00:ec2::254")


class AddressGuard(Protocol):
    def check(self, request: OutboundRequest, host: str, address: IPAddress) -> bool:
        """Raise ``EgressDenied`` when ``request`` may not go to ``address`` (resolved from ``host``).

        True when the verdict on ``address`` depends on the request, so a pooled connection to it
        must be checked again for every further request it carries."""


def is_link_local_or_metadata(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_link_local or address == METADATA_V6


class DenyLinkLocal:
    """The guard in force: link-local and metadata addresses only for a rule that names the host."""

    def check(self, request: OutboundRequest, host: str, address: IPAddress) -> bool:
        if not is_link_local_or_metadata(address):
            return False
        decision = request.decision
        if decision is None or not decision.names_host:
            raise EgressDenied(f"{host} is a link-local or cloud metadata address")
        return True


def parse_address(text: str) -> IPAddress:
    """An address as ``getaddrinfo`` or a URL gives it (an IPv6 zone suffix dropped)."""
    return ipaddress.ip_address(text.partition("%")[0])
