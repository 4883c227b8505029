"""The ASGI application: `app.main:app`."""

import asyncio
import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from http import HTTPStatus

import anyio.to_thread
from fastapi import FastAPI, Request, Response, status
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starsessions import SessionAutoloadMiddleware, SessionMiddleware

from app.auth.deps import Forbidden, NotSignedIn
from app.auth.sessions import DatabaseSessionStore
from app.config import Settings, get_settings
from app.db import get_engine, size_thread_pool
from app.errors import DomainError
from app.grading.service import start_grading_service, stop_grading_service
from app.llm import connection_pool
from app.logsafe import log_failure
from app.practice.context import warm_up
from app.routes import (
    account_pages,
    admin_api,
    api,
    audit_pages,
    auth_api,
    blind_review_pages,
    health,
    my_account,
    pages,
    report_pages,
    review_pages,
    staff_pages,
    supervision_api,
    supervision_pages,
)
from app.security import BodySizeLimitMiddleware, CSRFMiddleware, SecurityHeadersMiddleware
from app.templating import WEB_DIR, templates

log = logging.getLogger(__name__)


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api")


async def _not_signed_in(request: Request, _exc: Exception) -> Response:
    if _wants_json(request):
        return JSONResponse({"detail": "Sign in first."}, status.HTTP_401_UNAUTHORIZED)
    return RedirectResponse(f"/login?next={request.url.path}", status.HTTP_303_SEE_OTHER)


async def _forbidden(request: Request, _exc: Exception) -> Response:
    message = "Your role does not allow this."
    if _wants_json(request):
        return JSONResponse({"detail": message}, status.HTTP_403_FORBIDDEN)
    return templates.TemplateResponse(request, "error.html", {"message": message}, status_code=403)


async def _domain_error(request: Request, exc: Exception) -> Response:
    """Every domain refusal, the same way on both faces: its status, its message as JSON `detail` or
    on an error page, and `Retry-After` when it is a rate limit."""
    assert isinstance(exc, DomainError)
    headers = exc.headers()
    if _wants_json(request):
        return JSONResponse({"detail": exc.message}, exc.status, headers=headers)
    page = "404.html" if exc.status == HTTPStatus.NOT_FOUND else "error.html"
    context = {"message": exc.message, "user": getattr(request.state, "user", None), "status": exc.status}
    return templates.TemplateResponse(request, page, context, status_code=exc.status, headers=headers)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if _wants_json(request) or exc.status_code not in (403, 404):
        return JSONResponse({"detail": exc.detail}, exc.status_code, headers=exc.headers)
    return templates.TemplateResponse(request, "error.html", {"message": exc.detail}, status_code=exc.status_code)


def _add_middleware(application: FastAPI, settings: Settings) -> None:
    # Added innermost first: the session sits inside CSRF, inside the body limit, inside the headers.
    application.add_middleware(SessionAutoloadMiddleware, paths=[re.compile(r"^/(?!static/)")])
    application.add_middleware(
        SessionMiddleware,
        store=DatabaseSessionStore(get_engine()),
        lifetime=settings.session_max_age_s,
        cookie_name=settings.cookie_name("peer_session"),
        cookie_same_site="lax",
        cookie_https_only=settings.secure_cookies,
    )
    application.add_middleware(CSRFMiddleware, settings=settings)
    application.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    application.add_middleware(SecurityHeadersMiddleware)


@asynccontextmanager
async def _lifespan(application: FastAPI) -> AsyncIterator[None]:
    """Worker threads sized from settings; content and graders loaded in the background; connections to
    the LLM endpoint kept open for the app's life."""
    settings = get_settings()
    size_thread_pool(settings)
    application.state.warm = False
    # serving starts now; early requests wait for the graders
    warming = asyncio.create_task(_warm_up(application, settings))
    async with connection_pool():
        yield
    await warming
    await anyio.to_thread.run_sync(stop_grading_service)


async def _warm_up(application: FastAPI, settings: Settings) -> None:
    """Content and graders first (grades are taken in threads meanwhile), then the grading processes."""
    try:
        await anyio.to_thread.run_sync(warm_up, settings)
    except Exception:  # a broken content file or model shows on the staff page; the app still starts
        log_failure(log, "warming up the content and graders failed")
    try:
        await anyio.to_thread.run_sync(
            partial(start_grading_service, content_dir=settings.content_dir, processes=settings.grader_processes)
        )
    except Exception:  # grades go on in the worker threads
        log_failure(log, "the grading processes did not start; grading in worker threads")
    application.state.warm = True


def create_app() -> FastAPI:
    settings = get_settings()
    logging.basicConfig(level=settings.log_level)
    application = FastAPI(
        title="Peer Practice", version="0.1.0", docs_url=None, redoc_url=None, lifespan=_lifespan
    )
    application.mount("/static", StaticFiles(directory=WEB_DIR / "static"), name="static")
    for module in (
        health,
        auth_api,
        api,
        admin_api,
        supervision_api,
        account_pages,
        my_account,
        pages,
        review_pages,
        staff_pages,
        supervision_pages,
        blind_review_pages,
        report_pages,
        audit_pages,
    ):
        application.include_router(module.router)
    application.add_exception_handler(NotSignedIn, _not_signed_in)
    application.add_exception_handler(Forbidden, _forbidden)
    application.add_exception_handler(DomainError, _domain_error)
    application.add_exception_handler(StarletteHTTPException, _http_error)
    _add_middleware(application, settings)
    return application


app = create_app()
