"""What every page module shares: rendering, session dependencies (for sync routes), flash notes.

Domain refusals (a missing session, a role that may not) become error pages in main.py."""

from typing import Annotated, Any

from fastapi import Depends, Request, Response, status
from fastapi.responses import RedirectResponse

from app.auth.deps import CurrentUser
from app.db import SessionDep
from app.models import PracticeSession
from app.practice.access import writable_session
from app.templating import templates


def render(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> Response:
    """A page with the signed-in user in its context (the nav needs it)."""
    context = {"user": getattr(request.state, "user", None), **context}
    return templates.TemplateResponse(request, name, context, status_code=status_code)


def is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


def see_other(url: str) -> Response:
    """The answer to a plain form POST: go (back) to a page."""
    return RedirectResponse(url, status.HTTP_303_SEE_OTHER)


def flash(request: Request, message: str) -> None:
    """A one-line note for the next page (kept in the server-side session), e.g. "Created dana"."""
    request.session["flash"] = message


def take_flash(request: Request) -> str | None:
    note = request.session.pop("flash", None)
    return note if isinstance(note, str) else None


def load_writable(session_id: str, db: SessionDep, user: CurrentUser) -> PracticeSession:
    return writable_session(db=db, user=user, session_id=session_id)


OwnSessionDep = Annotated[PracticeSession, Depends(load_writable)]
