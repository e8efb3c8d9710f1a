"""Typed, frozen specs of bindings (``bindings.d/`` and inline ``bindings:``): webhooks and
forward proxies; defaults as in ``schemas/binding.schema.json``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from engine.config.origin import Origin


@dataclass(frozen=True, slots=True)
class RateLimitSpec:
    requests_per_second: float = 100.0
    burst: int = 20


@dataclass(frozen=True, slots=True)
class WebhookSpec:
    """A webhook binding's ``config``; defaults as in ``schemas/binding.schema.json``."""

    path: str
    provider: str = ""
    operation: str = ""
    instance: str = ""
    # Parameter name → template over ``body`` and ``headers``; empty: the body is the parameters.
    params: Mapping[str, str] = field(default_factory=dict)
    auth_mode: str = "public"  # public | signed | trusted_user_header
    signature_scheme: str = "hmac"  # hmac | github | stripe | slack
    signing_secrets: tuple[str, ...] = ()
    signature_header: str = "X-Signature"
    timestamp_tolerance: float = 300.0  # seconds
    delivery_id: str = ""  # a template; "" → the scheme's own, if it has one
    dedup_window: float = 7 * 86400.0  # seconds
    user_header: str = ""
    trusted_sources: tuple[str, ...] = ()
    max_body_bytes: int = 1 << 20
    rate_limit: RateLimitSpec = field(default_factory=RateLimitSpec)
    # Where each template is written ("params/<name>", "delivery_id"), for issues about it.
    origins: Mapping[str, Origin] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ProxySpec:
    path: str


@dataclass(frozen=True, slots=True)
class BindingSpec:
    name: str
    type: str  # webhook | proxy
    providers: tuple[str, ...] = ()
    webhook: WebhookSpec | None = None
    proxy: ProxySpec | None = None
    origin: Origin | None = None

    @property
    def path(self) -> str:
        """Its ``config.path``: where it is served, below ``/api/v1/bindings/<name>``."""
        spec = self.webhook or self.proxy
        return spec.path if spec is not None else ""

    @property
    def served_path(self) -> str:
        """The full path it is served at (without a trailing slash)."""
        return f"/api/v1/bindings/{self.name}{self.path}".rstrip("/")
