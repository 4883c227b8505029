"""HTTP hardening: security headers with a strict CSP, request body limits, CSRF."""

import json
from collections.abc import Callable, Coroutine
from typing import Any

from asgi_csrf import asgi_csrf_decorator
from fastapi import Request, Response
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
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
    """Refuse request bodies over the limit with a 413, whether or not Content-Length is honest.

    A body without Content-Length is counted as it is read. The app may catch the error that reading
    raises (FastAPI turns any body-reading error into a 400), so its answer is replaced by the 413."""

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
        progress = {"started": False, "too_large": False, "refused": False}

        async def guarded_send(message: Message) -> None:
            if progress["too_large"] and not progress["started"]:
                if not progress["refused"]:  # the app's own answer to the failed read gives way to the 413
                    progress["refused"] = True
                    await send_problem(scope, send, 413, self._message())
                return
            progress["started"] = progress["started"] or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, self._counting(receive, progress), guarded_send)
        except RequestTooLarge:
            if not progress["started"] and not progress["refused"]:
                await send_problem(scope, send, 413, self._message())

    def _message(self) -> str:
        return f"The request is larger than {self.max_bytes:,} bytes."

    def _counting(self, receive: Receive, progress: dict[str, bool]) -> Receive:
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:
                progress["too_large"] = True
                raise RequestTooLarge(self._message())
            return message

        return counted


class RequestTooLarge(Exception):
    pass


async def _csrf_failed(scope: Scope, send: Send, _error: Any) -> None:
    await send_problem(scope, send, 403, "The security token is missing or stale. Reload the page and try again.")


class CSRFMiddleware:
    """Double-submit CSRF tokens (asgi-csrf): cookie `csrftoken`, form field `csrftoken` or header
    `X-CSRFToken`. Requests that carry no cookie at all (a first sign-in) are not at risk and pass.

    asgi-csrf reads form bodies itself to find the token, and fails with an exception on some broken
    ones (multipart without a boundary, form data that is not UTF-8); those get a 400, not a 500."""

    def __init__(self, app: ASGIApp, secret: str, secure: bool) -> None:
        protect = asgi_csrf_decorator(
            signing_secret=secret, cookie_secure=secure, always_set_cookie=True, send_csrf_failed=_csrf_failed
        )
        self.inner = app
        self.app = protect(self._checked)

    async def _checked(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope[_PASSED_KEY]["passed"] = True
        await self.inner(scope, receive, send)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.inner(scope, receive, send)
            return
        progress = {"passed": False}
        try:
            await self.app({**scope, _PASSED_KEY: progress}, receive, send)
        except RequestTooLarge:
            raise
        except Exception:
            if progress["passed"]:  # the app's own failure, not the token check's
                raise
            await send_problem(scope, send, 400, "The form could not be read. Reload the page and try again.")


_PASSED_KEY = "peer.csrf_progress"


NOT_PLAIN_TEXT = (
    "The request holds binary data (a NUL byte) or text that is not valid Unicode (a lone surrogate "
    "such as \\ud800). Send plain text."
)


def holds_unstorable_text(body: bytes) -> bool:
    """True when a JSON body holds a string (key or value) that no database, or no UTF-8 response, can hold."""
    try:
        pending = [json.loads(body)]
    except (ValueError, RecursionError):  # not JSON FastAPI can read: its own validation answers that
        return False
    while pending:
        value = pending.pop()
        if isinstance(value, dict):
            pending += [*value.keys(), *value.values()]
        elif isinstance(value, list):
            pending += value
        elif isinstance(value, str) and not _storable(value):
            return True
    return False


def _storable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return "\x00" not in text


class UnicodeJSONRoute(APIRoute):
    """A JSON API route that refuses NUL and lone surrogate escapes with a 422 before anything stores or
    echoes them: JSON allows "\\u0000" and "\\ud800", but PostgreSQL refuses the one and UTF-8 the other,
    so a query, an insert or an error message quoting them would fail with a 500."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            if "json" in request.headers.get("content-type", "") and holds_unstorable_text(await request.body()):
                return JSONResponse({"detail": NOT_PLAIN_TEXT}, status_code=422)
            return await handler(request)

        return handle
