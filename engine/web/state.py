"""What the web layer needs from the running server, assembled by ``engine.bootstrap``."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field

from litestar.di import NamedDependency

from engine.compiler.model import Provider
from engine.config.spec import ConfigSpec
from engine.crypto import Cipher
from engine.invocation.broker import Broker
from engine.invocation.principal import Principal
from engine.store import Store
from engine.web.auth import Authenticator

InstanceLister = Callable[[Principal, str], Awaitable[Sequence[Mapping[str, str]]]]


async def _no_instances(principal: Principal, integration: str) -> Sequence[Mapping[str, str]]:
    return ()


@dataclass
class Readiness:
    providers_loaded: bool = False
    ping: Callable[[], Awaitable[None]] | None = None

    async def reason(self) -> str:
        """ "" when ready, else why not (``/ready`` answers 503 with it)."""
        if not self.providers_loaded:
            return "providers loading"
        if self.ping is not None:
            try:
                await asyncio.wait_for(self.ping(), timeout=2.0)
            except Exception:  # any failure to reach the store means "not ready"
                return "datastore unavailable"
        return ""


@dataclass
class Runtime:
    config: ConfigSpec
    providers: Mapping[str, Provider]
    broker: Broker
    authenticator: Authenticator
    store: Store | None = None
    cipher: Cipher | None = None
    readiness: Readiness = field(default_factory=Readiness)
    instances: InstanceLister = _no_instances
    starters: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    async def start(self) -> None:
        for start in self.starters:
            await start()
        self.readiness.providers_loaded = True

    async def close(self) -> None:
        for close in reversed(self.closers):
            await close()


# Handler parameter types for the two app-wide dependencies (explicit, as Litestar 3 requires).
RuntimeDep = NamedDependency[Runtime]
PrincipalDep = NamedDependency[Principal]
