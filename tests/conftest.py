"""Shared fixtures: a real fake upstream on loopback and an app built from a real config tree."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from engine.bootstrap import build_gateway, build_runtime, load_config
from engine.egress.client import RetryPolicy, default_client
from engine.egress.limits import Limits
from tests.support.app_client import app_client
from tests.support.configs import write_config
from tests.support.kinds import NetworkGuard, is_integration
from tests.support.oauth_server import AuthServer, start_auth_server
from tests.support.oidc_provider import OpenIDProvider, start_openid_provider
from tests.support.upstream import Upstream, start_upstream

_GUARD = NetworkGuard()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "unit: in-process, no network (tests/support/kinds.py)")
    config.addinivalue_line("markers", "integration: loopback servers, Postgres, subprocesses on ports")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.get_closest_marker("integration") is None:
            item.add_marker(pytest.mark.integration if is_integration(item) else pytest.mark.unit)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Any:
    _GUARD.active = item.nodeid if item.get_closest_marker("unit") else None
    try:
        return (yield)
    finally:
        _GUARD.active = None


@pytest.fixture
def upstream() -> Iterator[Upstream]:
    server, stop = start_upstream()
    yield server
    stop()


GatewayFactory = Callable[..., TestClient[Any]]


@pytest.fixture
def gateway(tmp_path: Path) -> Iterator[GatewayFactory]:
    """``gateway({"name": provider_yaml_dict})`` → a TestClient over the real app."""
    clients: list[TestClient[Any]] = []

    def make(providers: dict[str, dict[str, Any]], extra: dict[str, Any] | None = None) -> TestClient[Any]:
        path = write_config(tmp_path, providers, extra)
        client = default_client(Limits(timeout=2.0), RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.05))
        runtime = build_runtime(load_config(path), client)
        test_client = app_client(build_gateway(runtime))
        test_client.__enter__()
        clients.append(test_client)
        return test_client

    yield make
    for c in clients:
        c.__exit__(None, None, None)


@pytest.fixture
def idp() -> Iterator[OpenIDProvider]:
    """A real OpenID provider on loopback (discovery, JWKS, authorize, token with PKCE checks)."""
    server, stop = start_openid_provider()
    yield server
    stop()


@pytest.fixture
def auth_server() -> Iterator[AuthServer]:
    """A real OAuth2 authorization server on loopback (PKCE checks, refresh counting)."""
    server, stop = start_auth_server()
    yield server
    stop()
