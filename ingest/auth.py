"""Authentication, scopes and rate limits at the HTTP edge, and the OAuth2 token endpoint.

Every request under ``/api/`` needs ``Authorization: Bearer <token>``, where
the token is an OAuth2 access token (``POST /oauth2/token``) or an API key
(``bk_…``). The caller's principal is then counted against its plan's
per-minute and per-day limits (shared by every API process, in PostgreSQL);
every answer carries ``X-RateLimit-*`` headers and an exhausted limit is a
429 with ``Retry-After``. Scopes are checked per route by :func:`requires`.
"""

from __future__ import annotations

import base64
import json
import time
from typing import Any

from litestar import Request, Response, post
from litestar.connection import ASGIConnection
from litestar.datastructures import State
from litestar.enums import ScopeType
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.types import (
    ASGIApp,
    HTTPResponseBodyEvent,
    HTTPResponseStartEvent,
    Message,
    Receive,
    Scope,
    Send,
)

from core.auth import (
    AuthenticationFailed,
    AuthRepository,
    Principal,
    issue_token,
    verify_token,
)
from core.settings import AuthSettings

PROTECTED_PREFIX = "/api/"


class CredentialCache:
    """API keys looked up recently (revocation takes effect within ``ttl`` seconds)."""

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._items: dict[str, tuple[Principal, float]] = {}

    def get(self, key: str) -> Principal | None:
        hit = self._items.get(key)
        if hit is None or hit[1] < time.monotonic():
            self._items.pop(key, None)
            return None
        return hit[0]

    def put(self, key: str, principal: Principal) -> None:
        if self.ttl > 0:
            if len(self._items) > 10_000:
                self._items.clear()
            self._items[key] = (principal, time.monotonic() + self.ttl)


async def _send_problem(
    send: Send, status: int, code: str, title: str, detail: str, path: str, headers: dict[str, str]
) -> None:
    body = json.dumps(
        {
            "type": f"https://docs.botskyc.com/errors/{code.lower().replace('_', '-')}",
            "title": title,
            "status": status,
            "detail": detail,
            "code": code,
            "instance": path,
        }
    ).encode()
    raw = [
        (b"content-type", b"application/problem+json"),
        (b"content-length", str(len(body)).encode()),
    ]
    raw += [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    start: HTTPResponseStartEvent = {
        "type": "http.response.start",
        "status": status,
        "headers": raw,
    }
    await send(start)
    end: HTTPResponseBodyEvent = {"type": "http.response.body", "body": body, "more_body": False}
    await send(end)


def auth_middleware_factory(app: ASGIApp) -> ASGIApp:
    """ASGI middleware: authenticate and rate-limit ``/api/`` requests."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP or not scope["path"].startswith(PROTECTED_PREFIX):
            await app(scope, receive, send)
            return
        # A client's synchronous deadline (Prefer: wait) counts from here, before the key
        # lookup and the rate limiter: they are part of what the client waits for.
        scope.setdefault("state", {})["received_at"] = time.monotonic()
        state: State = scope["app"].state
        path = scope["path"]
        headers = {
            k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])
        }
        try:
            principal = await authenticate(state, headers.get("authorization", ""))
        except AuthenticationFailed as exc:
            await _send_problem(
                send,
                401,
                "UNAUTHENTICATED",
                "Unauthenticated",
                str(exc),
                path,
                {"WWW-Authenticate": 'Bearer realm="botskyc"'},
            )
            return
        decision = await state.rate_limiter.hit(principal)
        rate_headers = {
            "X-RateLimit-Limit": str(decision.limit),
            "X-RateLimit-Remaining": str(decision.remaining),
            "X-RateLimit-Reset": str(decision.reset_s),
        }
        if not decision.allowed:
            await _send_problem(
                send,
                429,
                "RATE_LIMITED",
                "Too many requests",
                f"plan limit of {decision.limit} requests per minute (or the daily limit) reached",
                path,
                rate_headers | {"Retry-After": str(decision.retry_after_s)},
            )
            return
        scope.setdefault("state", {})["principal"] = principal
        extra = [(k.lower().encode(), v.encode()) for k, v in rate_headers.items()]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", [])) + extra
            await send(message)

        await app(scope, receive, send_with_headers)

    return middleware


async def authenticate(state: State, authorization: str) -> Principal:
    """The principal behind an ``Authorization`` header.

    Raises:
        AuthenticationFailed: missing or invalid credentials.
    """
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationFailed("send Authorization: Bearer <access token or API key>")
    token = token.strip()
    if token.startswith("bk_"):
        cache: CredentialCache = state.credential_cache
        principal = cache.get(token)
        if principal is None:
            principal = await state.auth_repo.authenticate_key(token)
            cache.put(token, principal)
        return principal
    settings: AuthSettings = state.settings.auth
    return verify_token(settings, token)


def received_at(request: Request[Any, Any, Any]) -> float:
    """``time.monotonic()`` when the request reached the API (set by the middleware; now,
    for a route outside it)."""
    value = request.scope.get("state", {}).get("received_at")
    return float(value) if isinstance(value, float) else time.monotonic()


def principal_of(request: Request[Any, Any, Any]) -> Principal:
    """The authenticated caller (set by the middleware)."""
    principal = request.scope.get("state", {}).get("principal")
    if not isinstance(principal, Principal):  # a route outside /api/ asked for it
        raise NotAuthorizedException("authentication required")
    return principal


def requires(scope_name: str) -> Any:
    """A route guard: the caller's credential must carry ``scope_name`` (else 403)."""

    def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        principal = connection.scope.get("state", {}).get("principal")
        if not isinstance(principal, Principal) or not principal.allows(scope_name):
            raise PermissionDeniedException(f"this credential lacks the scope {scope_name!r}")

    return guard


def _oauth_error(status: int, error: str, description: str) -> Response[dict[str, str]]:
    # RFC 6749 §5.2 error shape, which OAuth2 client libraries parse.
    headers = {"WWW-Authenticate": 'Basic realm="botskyc"'} if status == 401 else {}
    return Response(
        {"error": error, "error_description": description},
        status_code=status,
        headers=headers | {"Cache-Control": "no-store"},
    )


@post(
    "/oauth2/token",
    tags=["auth"],
    summary="OAuth2 client credentials → access token",
    status_code=200,
)
async def token(request: Request[Any, Any, State]) -> Response[dict[str, Any]]:
    form = dict(await request.form())
    client_id = str(form.get("client_id", ""))
    client_secret = str(form.get("client_secret", ""))
    basic = request.headers.get("authorization", "")
    if basic.lower().startswith("basic "):
        try:
            client_id, _, client_secret = base64.b64decode(basic[6:]).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return _oauth_error(400, "invalid_request", "malformed Basic credentials")
    if form.get("grant_type") != "client_credentials":
        return _oauth_error(400, "unsupported_grant_type", "only client_credentials is supported")
    if not client_id or not client_secret:
        return _oauth_error(400, "invalid_request", "client_id and client_secret are required")
    repo: AuthRepository = request.app.state.auth_repo
    try:
        principal = await repo.authenticate_client(client_id, client_secret)
    except AuthenticationFailed:
        return _oauth_error(401, "invalid_client", "invalid client credentials")
    scopes = principal.scopes
    if form.get("scope"):
        asked = frozenset(str(form["scope"]).split())
        if not asked <= principal.scopes:
            return _oauth_error(
                400,
                "invalid_scope",
                f"not granted to this client: {sorted(asked - principal.scopes)}",
            )
        scopes = asked
    settings: AuthSettings = request.app.state.settings.auth
    access, ttl = issue_token(settings, client_id, principal.organisation_id, scopes)
    return Response(
        {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": ttl,
            "scope": " ".join(sorted(scopes)),
        },
        headers={"Cache-Control": "no-store"},
    )
