"""gestaltd as an OAuth 2.1 authorization server: the protocol's own errors (RFC 6749 §4.1.2.1,
§5.2; RFC 7591 §3.2.2; RFC 8707 §2). Each carries its registered ``code``; the token and
registration endpoints answer ``{"error": code, "error_description": message}``, the authorization
endpoint redirects with them when the redirect URI is trustworthy and shows them otherwise."""

from __future__ import annotations

from engine.errors.base import GestaltError


class OAuthProtocolError(GestaltError):
    status = 400
    code = "invalid_request"
    public_message = "invalid request"


class InvalidOAuthRequest(OAuthProtocolError):
    code = "invalid_request"


class InvalidOAuthClient(OAuthProtocolError):
    """Client authentication failed (or the client is unknown) at the token endpoint."""

    status = 401
    code = "invalid_client"
    public_message = "client authentication failed"


class UnknownOAuthClient(OAuthProtocolError):
    """The authorization request names a client we cannot identify: never redirected."""

    code = "invalid_client"


class InvalidRedirectUri(OAuthProtocolError):
    """The redirect URI is not one the client registered: shown, never redirected to."""

    code = "invalid_request"


class InvalidGrant(OAuthProtocolError):
    code = "invalid_grant"
    public_message = "the authorization code or refresh token is invalid, expired or used"


class UnsupportedGrantType(OAuthProtocolError):
    code = "unsupported_grant_type"


class UnsupportedResponseType(OAuthProtocolError):
    code = "unsupported_response_type"


class InvalidOAuthScope(OAuthProtocolError):
    code = "invalid_scope"


class InvalidTarget(OAuthProtocolError):
    code = "invalid_target"


class AccessDenied(OAuthProtocolError):
    status = 403
    code = "access_denied"
    public_message = "the user denied the request"


class InvalidClientMetadata(OAuthProtocolError):
    code = "invalid_client_metadata"


class InvalidClientRedirectUri(OAuthProtocolError):
    code = "invalid_redirect_uri"


class ClientDocumentUnavailable(UnknownOAuthClient):
    """A Client ID Metadata Document could not be fetched or is not a valid one."""
