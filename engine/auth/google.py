"""``auth.provider: google``: the OIDC provider preset for Google accounts.

Google documents that its ID tokens may carry ``iss`` with or without the scheme, so both are
accepted; everything else (PKCE, nonce, ``email_verified``, ``allowed_domains``) is plain OIDC.
"""

from __future__ import annotations

from engine.auth.login import ProviderConfig
from engine.auth.oidc import OIDCLogin
from engine.egress.client import HttpClient
from engine.store import Store

GOOGLE_ISSUER = "https://accounts.google.com"


def google_login(config: ProviderConfig, *, base_url: str, store: Store, http: HttpClient) -> OIDCLogin:
    return OIDCLogin(
        config,
        base_url=base_url,
        store=store,
        http=http,
        name="google",
        display_name="Google",
        issuer_url=GOOGLE_ISSUER,
        extra_issuers=("accounts.google.com",),
    )
