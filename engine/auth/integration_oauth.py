"""OAuth 2.0 for integrations: authorization URL, code exchange and refresh (engine.md §10.7).

oauthlib builds the authorization query (PKCE S256 included) and the token request bodies and
validates token responses; the HTTP calls go through the engine's own egress client, so token
endpoints get the same timeouts, pooling and error translation as every other outbound call
(they are POSTs, so the client never retries them). Nothing here logs or raises a secret: a
failed call becomes ``OAuthTokenError`` carrying only the status or the failure kind.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from engine.compiler.request import interpolate
from engine.config.spec import ConnectionAuthSpec
from engine.egress.client import HttpClient
from engine.egress.context import TOKEN_ENDPOINT
from engine.egress.request import OutboundRequest
from engine.errors import GestaltError, OAuthTokenError, TokenMetadataFailed, UpstreamHTTPError

# oauthlib refuses to build a URL for a non-https endpoint; the scheme is the operator's choice
# (loopback authorization servers are common in development), so the query is built on a probe
# URL and then attached to the configured one.
_PROBE = "https://authorization.invalid/"
VERIFIER_LENGTH = 64
_METADATA_VALUE = re.compile(r"^[a-zA-Z0-9._:/-]+$")


@dataclass(frozen=True, slots=True)
class TokenSet:
    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expires_in: int | None
    scopes: str
    response: Mapping[str, Any] = field(repr=False)

    def metadata(self, names: Sequence[str]) -> dict[str, str]:
        """The ``token_metadata`` fields present in the response, as connection metadata."""
        out: dict[str, str] = {}
        for name in names:
            value = self.field_value(name)
            if value is None or isinstance(value, (dict, list)):
                continue
            text = str(value).lower() if isinstance(value, bool) else str(value)
            if not _METADATA_VALUE.match(text):
                raise TokenMetadataFailed()
            out[name] = text
        return out

    def field_value(self, path: str) -> Any:
        """A (dotted) field of the token response, or None."""
        node: Any = self.response
        for part in path.split("."):
            if not isinstance(node, Mapping):
                return None
            node = node.get(part)
        return node


@dataclass(frozen=True, slots=True)
class OAuth2Client:
    auth: ConnectionAuthSpec
    client_id: str
    client_secret: str = field(repr=False)
    redirect_uri: str
    http: HttpClient = field(repr=False)

    def new_verifier(self) -> str:
        """A PKCE verifier when the connection uses PKCE, else ""."""
        if not self.auth.pkce:
            return ""
        return str(_oauthlib_client(self.client_id).create_code_verifier(VERIFIER_LENGTH))

    def authorization_url(
        self, state: str, verifier: str, scopes: Sequence[str], params: Mapping[str, str]
    ) -> str:
        oauth = _oauthlib_client(self.client_id)
        extra: dict[str, str] = {}
        chosen = list(scopes) or list(self.auth.scopes)
        if chosen:
            extra[self.auth.scope_param] = self.auth.scope_separator.join(chosen)
        extra.update(self.auth.authorization_params)
        if verifier:
            extra["code_challenge"] = oauth.create_code_challenge(verifier, "S256")
            extra["code_challenge_method"] = "S256"
        probe = oauth.prepare_request_uri(_PROBE, redirect_uri=self.redirect_uri, state=state, **extra)
        return _with_query(interpolate(self.auth.authorization_url, params), urlsplit(probe).query)

    async def exchange(self, code: str, verifier: str, params: Mapping[str, str]) -> TokenSet:
        body = _oauthlib_client(self.client_id).prepare_request_body(
            code=code,
            redirect_uri=self.redirect_uri,
            code_verifier=verifier or None,
            include_client_id=self.auth.client_auth != "header",
            **self._secret_in_body(),
            **self.auth.token_params,
        )
        return await self._token_call(body, params)

    async def refresh(self, refresh_token: str, params: Mapping[str, str]) -> TokenSet:
        ids = {"client_id": self.client_id} if self.auth.client_auth != "header" else {}
        body = _oauthlib_client(self.client_id).prepare_refresh_body(
            refresh_token=refresh_token, **ids, **self._secret_in_body(), **self.auth.refresh_params
        )
        return await self._token_call(body, params)

    def _secret_in_body(self) -> dict[str, str]:
        if self.auth.client_auth == "header" or not self.client_secret:
            return {}
        return {"client_secret": self.client_secret}

    async def _token_call(self, body: str, params: Mapping[str, str]) -> TokenSet:
        request = OutboundRequest("POST", interpolate(self.auth.token_url, params), self._headers())
        fields = dict(parse_qsl(body, keep_blank_values=True))
        if self.auth.token_exchange == "json":
            request.headers["Content-Type"] = "application/json"
            request.body = json.dumps(fields).encode()
        else:
            request.headers["Content-Type"] = "application/x-www-form-urlencoded"
            request.body = urlencode(fields).encode()
        request.context = TOKEN_ENDPOINT  # the spec leaves token endpoints out of the policy
        try:
            result = await self.http.send(request)
        except UpstreamHTTPError as exc:
            raise OAuthTokenError(f"token endpoint returned {exc.status}") from None
        except GestaltError as exc:
            raise OAuthTokenError(f"token endpoint failed: {type(exc).__name__}") from exc
        return self._parse(result.body)

    def _headers(self) -> dict[str, str]:
        headers = {"Accept": self.auth.accept_header or "application/json"}
        if self.auth.client_auth == "header":
            pair = f"{quote(self.client_id, safe='')}:{quote(self.client_secret, safe='')}"
            headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
        return headers

    def _parse(self, body: bytes) -> TokenSet:
        try:
            doc = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise OAuthTokenError("token response is not JSON") from None
        if not isinstance(doc, dict):
            raise OAuthTokenError("token response is not a JSON object")
        if self.auth.access_token_path:
            nested = TokenSet("", "", None, "", doc).field_value(self.auth.access_token_path)
            doc = {**doc, "access_token": nested} if isinstance(nested, str) else doc
        try:
            token = _oauthlib_client(self.client_id).parse_request_body_response(json.dumps(doc))
        except _oauth2_error() as exc:
            raise OAuthTokenError(f"token response rejected: {getattr(exc, 'error', 'invalid')}") from None
        except (ValueError, TypeError):
            raise OAuthTokenError("token response is malformed") from None
        return _token_set(token, doc)


def _token_set(token: Mapping[str, Any], doc: Mapping[str, Any]) -> TokenSet:
    access = token.get("access_token")
    if not isinstance(access, str) or not access:
        raise OAuthTokenError("token response missing access_token")
    refresh = token.get("refresh_token")
    expires = token.get("expires_in")
    scope = token.get("scope")
    return TokenSet(
        access_token=access,
        refresh_token=refresh if isinstance(refresh, str) else "",
        expires_in=expires if isinstance(expires, int) and expires > 0 else None,
        scopes=" ".join(scope) if isinstance(scope, list) else str(scope or ""),
        response=doc,
    )


def _with_query(url: str, query: str) -> str:
    """``url`` with the pairs of ``query`` added, replacing any it already had; keys sorted."""
    parts = urlsplit(url)
    added = parse_qsl(query, keep_blank_values=True)
    names = {k for k, _ in added}
    kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in names]
    pairs = sorted(kept + added, key=lambda kv: kv[0])
    return urlunsplit(parts._replace(query=urlencode(pairs)))


def _oauthlib_client(client_id: str) -> Any:
    """oauthlib is imported on first use: only OAuth connections need it (keeps startup lean)."""
    from oauthlib.oauth2 import WebApplicationClient

    return WebApplicationClient(client_id)


def _oauth2_error() -> type[Exception]:
    from oauthlib.oauth2 import OAuth2Error

    error: type[Exception] = OAuth2Error
    return error
