"""HTTP hardening: security headers with a strict CSP, no caching of private pages, a styled 500 that
keeps those headers, request body limits, CSRF (login CSRF too), download file names for any name."""

import json
import logging
import re
from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import quote

from asgi_csrf import asgi_csrf_decorator
from fastapi import Request, Response
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.config import Settings
from app.templating import templates

logger = logging.getLogger(__name__)

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


# Transcripts, exports and every signed-in page are private: no browser or proxy keeps a copy.
NO_STORE = (b"cache-control", b"no-store")
SERVER_ERROR_API = (
    "Something went wrong on our side. Nothing you had saved was lost; try again, and tell program staff "
    "if it keeps happening."
)


class SecurityHeadersMiddleware:
    """Adds the security headers to every answer, errors included, and `Cache-Control: no-store` to all
    but static files. An unhandled error becomes the app's own 500 page (JSON under /api), headers and all."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cacheable = scope.get("path", "").startswith("/static/")
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = [*message.get("headers", []), *SECURITY_HEADERS]
                if not cacheable and not any(name.lower() == b"cache-control" for name, _ in headers):
                    headers.append(NO_STORE)
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            if started:
                raise
            logger.exception("Unhandled error on %s %s", scope.get("method"), scope.get("path"))
            await send_server_error(scope, send_with_headers)


async def send_server_error(scope: Scope, send: Send) -> None:
    if scope.get("path", "").startswith("/api"):
        body, kind = json.dumps({"detail": SERVER_ERROR_API}).encode(), b"application/json"
    else:
        body, kind = templates.get_template("500.html").render().encode(), b"text/html; charset=utf-8"
    headers = [(b"content-type", kind), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 500, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def attachment(filename: str) -> str:
    """A Content-Disposition for a download named anything (RFC 6266): an ASCII fallback for old clients,
    and the real name percent-encoded as UTF-8 (RFC 5987), so `Łukasz` or a quote breaks nothing."""
    fallback = re.sub(r"[^A-Za-z0-9._-]+", "_", filename).strip("_") or "download"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


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


# Reached without being signed in, so a request with no cookie at all must still bring its token:
# otherwise a cross-site form (which sends no SameSite=Lax cookie) could sign a victim's browser into
# the attacker's account (login CSRF), or reset a password.
PRE_SESSION_PATHS = ["/login", "/api/auth/login", "/reset-password", "/api/auth/reset"]


class CSRFMiddleware:
    """Double-submit CSRF tokens (asgi-csrf): a signed random token in the cookie `csrftoken`
    (`__Host-csrftoken` with Secure cookies), sent back in the form field `csrftoken` or the header
    `X-CSRFToken`. Other requests that carry no cookie at all come from no browser session and pass;
    the sign-in and reset forms never do (PRE_SESSION_PATHS).

    asgi-csrf reads form bodies itself to find the token, and fails with an exception on some broken
    ones (multipart without a boundary, form data that is not UTF-8); those get a 400, not a 500."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        protect = asgi_csrf_decorator(
            signing_secret=settings.secret_key,
            cookie_name=settings.cookie_name("csrftoken"),
            cookie_secure=settings.secure_cookies,
            always_set_cookie=True,
            always_protect=PRE_SESSION_PATHS,
            send_csrf_failed=_csrf_failed,
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
