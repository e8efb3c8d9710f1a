"""The one set of limits every outbound request is held to, whatever sends it."""

from __future__ import annotations

from dataclasses import dataclass

MIB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Limits:
    """``timeout`` bounds one buffered exchange (connect, send, the whole response); a stream has
    no total, only ``read_timeout`` between bytes. ``max_body`` caps a buffered body as it arrives
    and ``max_decoded`` the same body once gzip/deflate/br are undone (a small compressed body can
    inflate a thousandfold). Connections are counted per origin (scheme, host, port)."""

    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    timeout: float = 30.0
    max_body: int = 50 * MIB
    max_decoded: int = 50 * MIB
    max_connections_per_host: int = 100
    max_idle_per_host: int = 100
