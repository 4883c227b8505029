"""HTTP hardening: security headers with a strict CSP, request body limits, CSRF."""

import json
from typing import Any

from asgi_csrf import asgi_csrf_decorator
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


async def send_problem(scope: Scope, send: Send, status: int, message: str) -> None:
    """A short error: JSON for the API, plain text elsewhere."""
    if scope.get("path", "").startswith("/api"):
        body, kind = json.dumps({"detail": message}).encode(), b"application/json"
    else:
        body, kind = message.encode(), b"text/plain; charset=utf-8"
    headers = [(b"content-type", kind), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodySizeLimitMiddleware:
    """Refuse request bodies over the limit with a 413, whether or not Content-Length is honest."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await send_problem(scope, send, 413, self._message())
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, self._counting(receive), tracking_send)
        except RequestTooLarge:
            if not started:
                await send_problem(scope, send, 413, self._message())

    def _message(self) -> str:
        return f"The request is larger than {self.max_bytes:,} bytes."

    def _counting(self, receive: Receive) -> Receive:
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:
                raise RequestTooLarge(self._message())
            return message

        return counted


class RequestTooLarge(Exception):
    pass


async def _csrf_failed(scope: Scope, send: Send, _error: Any) -> None:
    await send_problem(scope, send, 403, "The security token is missing or stale. Reload the page and try again.")


class CSRFMiddleware:
    """Double-submit CSRF tokens (asgi-csrf): cookie `csrftoken`, form field `csrftoken` or header
    `X-CSRFToken`. Requests that carry no cookie at all (a first sign-in) are not at risk and pass."""

    def __init__(self, app: ASGIApp, secret: str, secure: bool) -> None:
        protect = asgi_csrf_decorator(
            signing_secret=secret, cookie_secure=secure, always_set_cookie=True, send_csrf_failed=_csrf_failed
        )
        self.app = protect(app)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)
