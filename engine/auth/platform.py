"""What bootstrap installs as the runtime's authenticator: the request-path resolver plus the login
provider the auth routes drive. ``LOGIN_PROVIDERS`` is the one table from ``auth.provider`` to a
constructor.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from engine.auth.authenticator import AnonymousAuthenticator, Authenticator
from engine.auth.login import LoginProvider, ProviderConfig
from engine.auth.none import NoneLogin
from engine.auth.principal import Principal
from engine.auth.resolver import TokenAuthenticator
from engine.config.issues import ConfigIssue
from engine.config.spec import ConfigSpec
from engine.egress.client import HttpClient
from engine.errors import ConfigError
from engine.store import Store

LoginFactory = Callable[[ProviderConfig, ConfigSpec, Store, HttpClient], LoginProvider]


def _local(cfg: ProviderConfig, spec: ConfigSpec, store: Store, http: HttpClient) -> LoginProvider:
    from engine.auth.local import LocalLogin  # argon2: only when configured

    return LocalLogin(cfg, store)


def _oidc(cfg: ProviderConfig, spec: ConfigSpec, store: Store, http: HttpClient) -> LoginProvider:
    from engine.auth.oidc import OIDCLogin  # imported only when configured: keeps startup lean

    return OIDCLogin(cfg, base_url=spec.server.base_url, store=store, http=http)


def _google(cfg: ProviderConfig, spec: ConfigSpec, store: Store, http: HttpClient) -> LoginProvider:
    from engine.auth.google import google_login

    return google_login(cfg, base_url=spec.server.base_url, store=store, http=http)


LOGIN_PROVIDERS: dict[str, LoginFactory] = {
    "none": lambda cfg, spec, store, http: NoneLogin(),
    "local": _local,
    "oidc": _oidc,
    "google": _google,
}


class PlatformAuth:
    """An ``Authenticator`` that also knows the login provider and the cookie policy."""

    def __init__(self, login: LoginProvider, resolver: Authenticator, *, secure_cookies: bool) -> None:
        self.login = login
        self.resolver = resolver
        self.secure_cookies = secure_cookies

    @property
    def session_ttl(self) -> timedelta:
        return self.login.session_ttl

    async def authenticate(self, authorization: str, cookie_token: str) -> Principal:
        return await self.resolver.authenticate(authorization, cookie_token)

    def forget(self, *, user_id: str = "", token: str = "") -> None:
        """After a revocation: drop anything the resolver remembers about it."""
        if isinstance(self.resolver, TokenAuthenticator):
            self.resolver.forget(user_id=user_id, token=token)


def build_platform_auth(config: ConfigSpec, store: Store, http: HttpClient) -> PlatformAuth:
    factory = LOGIN_PROVIDERS.get(config.auth.provider)
    if factory is None:
        known = ", ".join(sorted(LOGIN_PROVIDERS))
        message = f'unknown auth provider "{config.auth.provider}" (expected one of {known})'
        raise ConfigError([ConfigIssue(config.path, 0, 0, message, "/auth/provider")])
    login = factory(ProviderConfig(config.auth.config, config.path), config, store, http)
    # ``none`` ignores every credential and never touches the store, as the reference does.
    resolver: Authenticator = AnonymousAuthenticator() if login.name == "none" else TokenAuthenticator(store)
    return PlatformAuth(login, resolver, secure_cookies=config.server.base_url.startswith("https://"))
