"""Shared fixtures: a real fake upstream on loopback and an app built from a real config tree."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from engine.bootstrap import build_gateway, build_runtime, load_config
from engine.egress.client import HttpClient, RetryPolicy, default_client
from engine.egress.limits import Limits
from engine.surface.runtime import Runtime
from engine.web.gateway import GatewayApp
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


def _guarded(item: pytest.Item) -> Iterator[None]:
    """Setup and call only: the teardown of a session fixture (the Postgres cluster) runs in
    whichever test happens to be the last, unit or not."""
    _GUARD.active = item.nodeid if item.get_closest_marker("unit") else None
    try:
        yield
    finally:
        _GUARD.active = None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Iterator[None]:
    return (yield from _guarded(item))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    return (yield from _guarded(item))


@pytest.fixture
def upstream() -> Iterator[Upstream]:
    server, stop = start_upstream()
    yield server
    stop()


class GatewayFactory:
    """``gateway({"name": provider_yaml_dict}, extra)`` → a TestClient over the real app;
    ``gateway.open(config_path, http)`` the same for a config written otherwise. ``runtimes`` and
    ``apps`` are what was built, in order (a test moves ``runtime.store.clock`` on)."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.runtimes: list[Runtime] = []
        self.apps: list[GatewayApp] = []
        self.clients: list[TestClient[Any]] = []

    def __call__(
        self, providers: dict[str, dict[str, Any]], extra: dict[str, Any] | None = None
    ) -> TestClient[Any]:
        return self.open(write_config(self.tmp_path, providers, extra))

    def open(self, config: Path, http: HttpClient | None = None) -> TestClient[Any]:
        http = http or default_client(
            Limits(timeout=2.0), RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.05)
        )
        runtime = build_runtime(load_config(config), http)
        app = build_gateway(runtime)
        test_client = app_client(app)
        test_client.__enter__()
        self.runtimes.append(runtime)
        self.apps.append(app)
        self.clients.append(test_client)
        return test_client


@pytest.fixture
def gateway(tmp_path: Path) -> Iterator[GatewayFactory]:
    factory = GatewayFactory(tmp_path)
    yield factory
    for c in factory.clients:
        c.__exit__(None, None, None)


@pytest.fixture
def audit() -> Iterator[list[dict[str, Any]]]:
    """The structured fields of every audit record written during the test, in order."""
    records: list[dict[str, Any]] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(dict(record.__dict__["fields"]))

    logger = logging.getLogger("gestalt.audit")
    handler, level = Collect(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield records
    logger.removeHandler(handler)
    logger.setLevel(level)


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
