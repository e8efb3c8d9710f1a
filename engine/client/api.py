"""``GestaltClient``: the documented HTTP API of gestaltd as Python methods, over httpx.

Every failure becomes one of ``engine.client.errors``: a transport failure is ``UnreachableError``,
a gestaltd error answer (``{"error": "..."}``) is classed by its status, and an invocation whose
upstream failed (the upstream's own answer replayed, or a 502/504) is ``UpstreamError``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from engine.client.errors import (
    AuthError,
    ClientError,
    ServerError,
    UnreachableError,
    UpstreamError,
    for_status,
)

SESSION_COOKIE = "session_token"
DEFAULT_TIMEOUT = 60.0


@dataclass(frozen=True, slots=True)
class Reply:
    """An invocation's answer as gestaltd sent it."""

    status: int
    content_type: str
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass(frozen=True, slots=True)
class LoginStart:
    """``POST /api/v1/auth/login``: where to send the browser, or a session at once (local login)."""

    url: str
    session: str = ""
    identity: Mapping[str, str] | None = None


class GestaltClient:
    def __init__(
        self,
        url: str,
        token: str = "",
        *,
        timeout: float = DEFAULT_TIMEOUT,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self.token = token
        self._http = httpx.Client(base_url=self.url, timeout=timeout, transport=transport)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> GestaltClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # Platform login (reference http-api §4)

    def auth_info(self) -> dict[str, Any]:
        return self._object("GET", "/api/v1/auth/info", auth=False)

    def begin_login(self, state: str, callback_port: int, password: str = "") -> LoginStart:
        body: dict[str, Any] = {"state": state, "callback_port": callback_port}
        if password:
            body["password"] = password
        response = self._send("POST", "/api/v1/auth/login", json=body, auth=False)
        doc = _object_of(response, self.url)
        session = response.cookies.get(SESSION_COOKIE) or ""
        identity = _identity(doc) if session else None
        return LoginStart(url=str(doc.get("url", "")), session=session, identity=identity)

    def finish_login(self, code: str, state: str) -> tuple[str, dict[str, str]]:
        """Exchange a login code for a session token (the cookie jar still holds ``login_state``)."""
        params = {"code": code, "state": state}
        response = self._send("GET", "/api/v1/auth/login/callback", params=params, auth=False)
        doc = _object_of(response, self.url)
        session = response.cookies.get(SESSION_COOKIE) or ""
        self._http.cookies.clear()
        if not session:
            raise ServerError(f"{self.url} finished the login without issuing a session")
        return session, _identity(doc)

    def end_session(self, session: str) -> None:
        """Revoke a session (the CLI keeps an API token, never the session it logged in with)."""
        self._send("POST", "/api/v1/auth/logout", auth=False, bearer=session)

    # API tokens (§8)

    def create_token(self, name: str, scopes: Sequence[str] = (), *, bearer: str = "") -> dict[str, Any]:
        body: dict[str, Any] = {"name": name}
        if scopes:
            # The space-separated form: what the reference documents and every gestaltd accepts.
            body["scopes"] = " ".join(scopes)
        return self._object("POST", "/api/v1/tokens", json=body, bearer=bearer)

    def list_tokens(self) -> list[dict[str, Any]]:
        return self._list("GET", "/api/v1/tokens")

    def revoke_token(self, token_id: str) -> None:
        self._object("DELETE", f"/api/v1/tokens/{quote(token_id, safe='')}")

    def revoke_all_tokens(self) -> int:
        return int(self._object("DELETE", "/api/v1/tokens").get("count", 0))

    # Integrations and connections (§5, §6)

    def integrations(self) -> list[dict[str, Any]]:
        return self._list("GET", "/api/v1/integrations")

    def operations(self, integration: str) -> list[dict[str, Any]]:
        return self._list("GET", f"/api/v1/integrations/{quote(integration, safe='')}/operations")

    def connect_manual(self, integration: str, request: ConnectRequest) -> dict[str, Any]:
        body = {"integration": integration, **request.common()}
        if request.credentials:
            body["credentials"] = dict(request.credentials)
        else:
            body["credential"] = request.credential
        return self._object("POST", "/api/v1/auth/connect-manual", json=body)

    def start_oauth(self, integration: str, request: ConnectRequest) -> dict[str, Any]:
        body = {"integration": integration, **request.common()}
        if request.scopes:
            body["scopes"] = list(request.scopes)
        return self._object("POST", "/api/v1/auth/start-oauth", json=body)

    def disconnect(self, integration: str, instance: str = "", connection: str = "") -> None:
        params = {k: v for k, v in (("instance", instance), ("connection", connection)) if v}
        self._object("DELETE", f"/api/v1/integrations/{quote(integration, safe='')}", params=params)

    # Invocation (§7)

    def invoke(
        self, integration: str, operation: str, args: Mapping[str, Any], *, dry_run: bool = False
    ) -> Reply:
        """POST the arguments as a JSON object (types survive, unlike a query string)."""
        path = f"/api/v1/{quote(integration, safe='')}/{quote(operation, safe='')}"
        params = {"_dry_run": "1"} if dry_run else None
        response = self._send("POST", path, json=dict(args), params=params, upstream=True)
        return Reply(response.status_code, response.headers.get("content-type", ""), response.content)

    # Plumbing

    def _object(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        return _object_of(self._send(method, path, **kwargs), self.url)

    def _list(self, method: str, path: str) -> list[dict[str, Any]]:
        doc = _json_of(self._send(method, path), self.url)
        if not isinstance(doc, list):
            raise ServerError(f"unexpected answer from {self.url}{path}: not a JSON list")
        return doc

    def _send(
        self,
        method: str,
        path: str,
        *,
        auth: bool = True,
        bearer: str = "",
        upstream: bool = False,
        **kwargs: Any,
    ) -> httpx.Response:
        headers = {"Accept": "application/json"}
        token = bearer or (self.token if auth else "")
        if token:
            headers["Authorization"] = f"Bearer {token}"
        try:
            response = self._http.request(method, path, headers=headers, **kwargs)
        except httpx.TimeoutException as exc:
            raise UnreachableError(
                f"gestaltd at {self.url} did not answer in time ({type(exc).__name__})"
            ) from exc
        except httpx.TransportError as exc:
            raise UnreachableError(
                f"cannot reach gestaltd at {self.url}: {_reason(exc)}",
                hint="is it running? Set the server with --url or GESTALT_URL.",
            ) from exc
        if response.status_code >= 400:
            raise self._failure(response, upstream)
        return response

    def _failure(self, response: httpx.Response, upstream: bool) -> ClientError:
        message = gestalt_error_message(response.content)
        status = response.status_code
        if message is None:
            if upstream:
                return UpstreamError(
                    f"the upstream API answered {status}", status=status, body=response.content
                )
            return ServerError(
                f"unexpected {status} answer from {self.url}", status=status, body=response.content
            )
        kind = for_status(status)
        hint = ""
        if kind is AuthError and status == 401:
            hint = (
                "your token was rejected (expired or revoked): run `gestalt login`"
                if self.token
                else ("not logged in: run `gestalt login`")
            )
        elif status == 412:
            hint = "connect it first: `gestalt integrations connect NAME`"
        return kind(message, status=status, hint=hint)


@dataclass(frozen=True, slots=True)
class ConnectRequest:
    """What a connect flow sends besides the integration name."""

    connection: str = ""
    instance: str = ""
    params: Mapping[str, str] | None = None
    credentials: Mapping[str, str] | None = None
    credential: str = ""
    scopes: Sequence[str] = ()

    def common(self) -> dict[str, Any]:
        body: dict[str, Any] = {}
        if self.connection:
            body["connection"] = self.connection
        if self.instance:
            body["instance"] = self.instance
        if self.params:
            body["connection_params"] = dict(self.params)
        return body


def gestalt_error_message(body: bytes) -> str | None:
    """The message of gestaltd's error envelope ``{"error": "..."}``; None for any other body (an
    upstream's own error, replayed as it came)."""
    try:
        doc = json.loads(body)
    except ValueError:
        return None
    if isinstance(doc, dict) and list(doc) == ["error"] and isinstance(doc["error"], str):
        return doc["error"]
    return None


def _identity(doc: Mapping[str, Any]) -> dict[str, str]:
    return {key: str(doc[key]) for key in ("email", "display_name") if key in doc}


def _json_of(response: httpx.Response, url: str) -> Any:
    try:
        return response.json()
    except ValueError as exc:
        raise ServerError(f"unexpected answer from {url}: not JSON (is this a gestaltd server?)") from exc


def _object_of(response: httpx.Response, url: str) -> dict[str, Any]:
    doc = _json_of(response, url)
    if not isinstance(doc, dict):
        raise ServerError(f"unexpected answer from {url}: not a JSON object")
    return doc


def _reason(exc: httpx.TransportError) -> str:
    cause = exc.__cause__ or exc.__context__
    text = str(exc) or (str(cause) if cause else "")
    return text or type(exc).__name__
