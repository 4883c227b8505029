"""Sign in and out in the browser, trade a staff reset code for a new password; a trainee's own data as a download."""

import json
from typing import Annotated

from fastapi import APIRouter, Form, Request, Response, status
from fastapi.responses import RedirectResponse

from app.auth.deps import CurrentUser, sign_in, sign_out
from app.auth.signin import PasswordRefused, WrongCredentials, reset_with_code, sign_in_with_password
from app.config import get_settings
from app.db import SessionDep
from app.practice.exports import export_my_data
from app.routes.auth_api import client_address
from app.security import attachment
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
    """A wrong password answers 401 with the form again; too many answer 429 (mapped in main.py)."""
    try:
        user = sign_in_with_password(
            db=db, settings=get_settings(), username=username, password=password, address=client_address(request)
        )
    except WrongCredentials as exc:
        context = {"next": _safe_next(next), "error": exc.message, "username": username}
        return templates.TemplateResponse(request, "login.html", context, status_code=exc.status)
    sign_in(request, db, user)
    return RedirectResponse(_safe_next(next), status.HTTP_303_SEE_OTHER)


@router.post("/logout")
def logout(request: Request, db: SessionDep) -> Response:
    sign_out(request, db)
    return RedirectResponse("/login", status.HTTP_303_SEE_OTHER)


@router.get("/reset-password")
def reset_page(request: Request) -> Response:
    return templates.TemplateResponse(request, "reset_password.html", {"errors": {}, "username": ""})


@router.post("/reset-password")
def reset_password(
    request: Request,
    db: SessionDep,
    username: Annotated[str, Form(max_length=80)] = "",
    code: Annotated[str, Form(max_length=80)] = "",
    new_password: Annotated[str, Form(max_length=256)] = "",
) -> Response:
    try:
        reset_with_code(
            db=db,
            settings=get_settings(),
            username=username,
            code=code,
            new=new_password,
            address=client_address(request),
        )
    except PasswordRefused as exc:
        refused = {"errors": {exc.field: exc.message}, "username": username}
        return templates.TemplateResponse(request, "reset_password.html", refused, status_code=exc.status)
    done = {"next": "/", "error": None, "note": "Your new password is set. Sign in with it.", "username": username}
    return templates.TemplateResponse(request, "login.html", done)


@router.get("/me/export")
def export_mine(db: SessionDep, user: CurrentUser) -> Response:
    body = json.dumps(export_my_data(db=db, user=user), indent=2, ensure_ascii=False)
    headers = {"Content-Disposition": attachment(f"peer-practice-{user.username}.json")}
    return Response(body, media_type="application/json", headers=headers)
