"""What webhook and proxy bindings refuse: each a stable message a sender can act on."""

from __future__ import annotations

from engine.errors.base import BadRequest, GestaltError


class SignatureMissing(GestaltError):
    status = 401
    public_message = "missing signature"


class SignatureInvalid(GestaltError):
    status = 401
    public_message = "invalid signature"


class StaleTimestamp(GestaltError):
    """A correctly signed delivery whose signed timestamp is outside the binding's tolerance."""

    status = 401
    public_message = "signature timestamp outside the allowed window"


class UntrustedSource(GestaltError):
    status = 403
    public_message = "untrusted source"


class MissingUserHeader(GestaltError):
    status = 401
    public_message = "missing user header"


class WebhookBodyNotObject(BadRequest):
    public_message = "webhook body must be a JSON object"


class MissingDeliveryId(BadRequest):
    public_message = "missing delivery id"


class RateLimited(GestaltError):
    status = 429
    public_message = "rate limit exceeded"


class ProxyAuthenticationRequired(GestaltError):
    status = 407
    public_message = "proxy authentication required"
