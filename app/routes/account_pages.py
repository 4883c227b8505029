"""Sign in and out in the browser; a trainee's own data as a download."""

import json
from typing import Annotated

from fastapi import APIRouter, Form, Request, Response, status
from fastapi.responses import RedirectResponse

from app.auth.accounts import authenticate
from app.auth.deps import CurrentUser, sign_in, sign_out
from app.db import SessionDep
from app.practice.exports import export_my_data
from app.templating import templates

router = APIRouter(include_in_schema=False)


def _safe_next(target: str) -> str:
    """Only paths on this site, so the login form cannot be used to send people elsewhere."""
    return target if target.startswith("/") and not target.startswith("//") and "\\" not in target else "/"


@router.get("/login")
def login_page(request: Request, next: str = "/") -> Response:
    return templates.TemplateResponse(request, "login.html", {"next": _safe_next(next), "error": None})


@router.post("/login")
def login(
    request: Request,
    db: SessionDep,
    username: Annotated[str, Form(max_length=80)] = "",
    password: Annotated[str, Form(max_length=256)] = "",
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    user = authenticate(db=db, username=username, password=password)
    if user is None:
        context = {"next": _safe_next(next), "error": "That username and password don't match.", "username": username}
        return templates.TemplateResponse(request, "login.html", context, status_code=status.HTTP_401_UNAUTHORIZED)
    sign_in(request, user)
    return RedirectResponse(_safe_next(next), status.HTTP_303_SEE_OTHER)


@router.post("/logout")
def logout(request: Request) -> Response:
    sign_out(request)
    return RedirectResponse("/login", status.HTTP_303_SEE_OTHER)


@router.get("/me/export")
def export_mine(db: SessionDep, user: CurrentUser) -> Response:
    body = json.dumps(export_my_data(db=db, user=user), indent=2, ensure_ascii=False)
    filename = f"peer-practice-{user.username}.json"
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    return Response(body, media_type="application/json", headers=headers)
