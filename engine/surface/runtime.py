"""The runtime record: what every surface needs from the running server (config, providers, the
broker, the authenticator, the store), and whether it is ready. Assembled by ``engine.bootstrap``."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field

from engine.auth.authenticator import Authenticator
from engine.auth.oauth_server.clients import ClientDirectory
from engine.auth.principal import Principal
from engine.config.spec import ConfigSpec
from engine.crypto import Cipher
from engine.egress.client import HttpClient
from engine.invocation.broker import Broker
from engine.providers.model import Provider
from engine.store import Store
from engine.surface.perimeter import Perimeter

_log = logging.getLogger("gestalt.runtime")

InstanceLister = Callable[[Principal, str], Awaitable[Sequence[Mapping[str, str]]]]


async def _no_instances(principal: Principal, integration: str) -> Sequence[Mapping[str, str]]:
    return ()


@dataclass
class Readiness:
    providers_loaded: bool = False
    datastore_migrated: bool = False
    ping: Callable[[], Awaitable[None]] | None = None

    async def reason(self) -> str:
        """ "" when ready, else why not (``/ready`` answers 503 with it)."""
        if not self.providers_loaded:
            return "providers loading"
        if not self.datastore_migrated:
            return "datastore unavailable"
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
    http: HttpClient | None = None  # the egress client, for post-connect discovery
    readiness: Readiness = field(default_factory=Readiness)
    instances: InstanceLister = _no_instances
    oauth_clients: ClientDirectory | None = None  # gestaltd's authorization server: its clients
    closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    perimeter: Perimeter = field(init=False)  # from config.server: one per runtime, every surface's
    _migration: asyncio.Task[None] | None = None

    def __post_init__(self) -> None:
        self.perimeter = Perimeter(self.config.server)

    async def start(self) -> None:
        """Lifespan startup. An unreachable datastore does not stop the server: ``/ready`` says
        so, and migrations are retried in the background until they succeed."""
        self.readiness.providers_loaded = True
        if self.store is None:
            self.readiness.datastore_migrated = True
            return
        if not await self._migrate_once():
            self._migration = asyncio.create_task(self._migrate_until_done())

    async def _migrate_once(self) -> bool:
        assert self.store is not None
        try:
            await self.store.migrate()
        except Exception as exc:  # StoreError or driver errors: reported by /ready, retried
            _log.warning("datastore unavailable", extra={"fields": {"error": type(exc).__name__}})
            return False
        self.readiness.datastore_migrated = True
        return True

    async def _migrate_until_done(self) -> None:
        delay = 0.5
        while not await self._migrate_once():
            await asyncio.sleep(delay)
            delay = min(delay * 2, 15.0)

    async def close(self) -> None:
        if self._migration is not None:
            self._migration.cancel()
        for close in reversed(self.closers):
            await close()
