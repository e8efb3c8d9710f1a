"""Platform identity: authentication (401), login, API tokens and their scopes."""

from __future__ import annotations

from engine.errors.base import BadRequest, GestaltError, NotFound
from engine.errors.storage import InternalError


class Unauthorized(GestaltError):
    status = 401
    public_message = "not authenticated"


class MissingAuthorization(Unauthorized):
    public_message = "missing authorization"


class InvalidAuthorizationFormat(Unauthorized):
    public_message = "invalid authorization header format"


class InvalidToken(Unauthorized):
    public_message = "invalid token"


class TokenValidationFailed(InternalError):
    """The store failed while resolving a bearer token (not the same as an invalid token)."""

    public_message = "token validation failed"


class LoginFailed(Unauthorized):
    """The IdP exchange, the ID token or the identity checks failed; the cause is chained, not shown."""

    public_message = "login failed"


class LoginStateInvalid(GestaltError):
    status = 403
    public_message = "login state validation failed"


class FormRejected(GestaltError):
    """A page's form came back without a valid CSRF token for this browser's session."""

    status = 403
    public_message = "the form expired or was not sent from this server's page; reload it and try again"


class UnknownScope(BadRequest):
    def __init__(self, scope: str) -> None:
        super().__init__(f'unknown scope "{scope}"')


class TokenScopeExceeded(GestaltError):
    """A scoped API token asked for a token wider than itself."""

    status = 403
    public_message = "token scopes exceed the caller's scopes"


class TokenNotFound(NotFound):
    public_message = "token not found"
