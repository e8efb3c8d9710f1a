"""Handler parameter types for the two app-wide Litestar dependencies (explicit, as Litestar 3
requires): the runtime record and the authenticated caller."""

from __future__ import annotations

from litestar.di import NamedDependency

from engine.auth.principal import Principal
from engine.surface.runtime import Runtime

RuntimeDep = NamedDependency[Runtime]
PrincipalDep = NamedDependency[Principal]
