"""How a signed webhook delivery proves where it came from: one verifier per signature scheme.

Every scheme is an HMAC-SHA256 over the raw body (Stripe and Slack prefix a timestamp, which is
then checked against the tolerance). Each configured secret is tried, so a secret can be rotated
by listing the new one beside the old; digests are compared with ``hmac.compare_digest``. The
timestamp is checked after the signature, so only an authentic delivery learns it was late.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from engine.errors import SignatureInvalid, SignatureMissing, StaleTimestamp

Headers = Mapping[str, str]  # lower-case names


class Verifier(Protocol):
    def verify(self, body: bytes, headers: Headers, now: float) -> None:
        """Return when the delivery is authentic and fresh; raise the binding error otherwise."""


@dataclass(frozen=True, slots=True)
class Keys:
    secrets: tuple[bytes, ...]
    tolerance: float  # seconds either way, for schemes with a timestamp

    def matches(self, message: bytes, candidates: Iterable[bytes]) -> bool:
        digests = [hmac.new(secret, message, hashlib.sha256).digest() for secret in self.secrets]
        found = False
        for candidate in candidates:
            for digest in digests:  # no early exit: the time taken does not say which matched
                found |= hmac.compare_digest(digest, candidate)
        return found

    def fresh(self, timestamp: str, now: float) -> None:
        if abs(now - _unix(timestamp)) > self.tolerance:
            raise StaleTimestamp()


@dataclass(frozen=True, slots=True)
class BodyHmac:
    """hmac and github: ``[sha256=]<hex>`` of the raw body in one header."""

    keys: Keys
    header: str  # lower case
    prefix_required: bool = False

    def verify(self, body: bytes, headers: Headers, now: float) -> None:
        value = headers.get(self.header, "").strip()
        if not value:
            raise SignatureMissing()
        prefixed = value[:7].lower() == "sha256="
        if self.prefix_required and not prefixed:
            raise SignatureInvalid()
        if not self.keys.matches(body, [_unhex(value[7:] if prefixed else value)]):
            raise SignatureInvalid()


@dataclass(frozen=True, slots=True)
class StripeSignature:
    """``Stripe-Signature: t=<unix>,v1=<hex>[,v1=<hex>…]`` over ``<t>.<body>``."""

    keys: Keys

    def verify(self, body: bytes, headers: Headers, now: float) -> None:
        value = headers.get("stripe-signature", "")
        if not value:
            raise SignatureMissing()
        pairs = [part.strip().partition("=") for part in value.split(",")]
        stamps = [v for k, _, v in pairs if k == "t"]
        candidates = [_unhex(v) for k, _, v in pairs if k == "v1"]
        if len(stamps) != 1 or not candidates:
            raise SignatureInvalid()
        if not self.keys.matches(stamps[0].encode("ascii", "replace") + b"." + body, candidates):
            raise SignatureInvalid()
        self.keys.fresh(stamps[0], now)


@dataclass(frozen=True, slots=True)
class SlackSignature:
    """``X-Slack-Signature: v0=<hex>`` over ``v0:<X-Slack-Request-Timestamp>:<body>``."""

    keys: Keys

    def verify(self, body: bytes, headers: Headers, now: float) -> None:
        value, stamp = headers.get("x-slack-signature", ""), headers.get("x-slack-request-timestamp", "")
        if not value or not stamp:
            raise SignatureMissing()
        version, _, hexdigest = value.partition("=")
        if version != "v0":
            raise SignatureInvalid()
        message = b"v0:" + stamp.encode("ascii", "replace") + b":" + body
        if not self.keys.matches(message, [_unhex(hexdigest)]):
            raise SignatureInvalid()
        self.keys.fresh(stamp, now)


def verifier(scheme: str, secrets: Sequence[str], header: str, tolerance: float) -> Verifier:
    """The verifier of a scheme named in ``signature_scheme`` (the schema allows no other)."""
    keys = Keys(tuple(secret.encode("utf-8") for secret in secrets), tolerance)
    if scheme == "github":
        return BodyHmac(keys, "x-hub-signature-256", prefix_required=True)
    if scheme == "stripe":
        return StripeSignature(keys)
    if scheme == "slack":
        return SlackSignature(keys)
    return BodyHmac(keys, header.lower())


def _unhex(text: str) -> bytes:
    try:
        return bytes.fromhex(text)
    except ValueError:
        raise SignatureInvalid() from None


def _unix(text: str) -> float:
    if not text.isdigit():  # isdigit: no sign, no spaces, no "1e9"
        raise SignatureInvalid()
    return float(int(text))
