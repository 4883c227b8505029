"""Your account: where you are signed in (end any of those sessions, or all), and changing your password."""

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from sqlmodel import Session
from starsessions import get_session_id

from app.auth.deps import CurrentUser, sign_in, sign_out
from app.auth.sessions import active_sessions, end_own_session, sign_out_everywhere
from app.auth.signin import PasswordRefused, change_password
from app.config import get_settings
from app.db import SessionDep
from app.models import User
from app.routes.auth_api import client_address
from app.routes.page_kit import flash, render, see_other, take_flash

router = APIRouter(include_in_schema=False)


def _account_page(request: Request, db: Session, user: User, errors: dict[str, str], code: int = 200) -> Response:
    assert user.id is not None
    sessions = active_sessions(db=db, user_id=user.id, current_session_id=get_session_id(request))
    context = {"section": "account", "sessions": sessions, "errors": errors, "note": take_flash(request)}
    return render(request, "account.html", context, code)


@router.get("/account")
def account(request: Request, db: SessionDep, user: CurrentUser) -> Response:
    return _account_page(request, db, user, {})


@router.post("/account/password")
def change_password_page(
    request: Request,
    db: SessionDep,
    user: CurrentUser,
    current_password: Annotated[str, Form(max_length=256)] = "",
    new_password: Annotated[str, Form(max_length=256)] = "",
) -> Response:
    try:
        ended = change_password(
            db=db,
            settings=get_settings(),
            user=user,
            current=current_password,
            new=new_password,
            address=client_address(request),
        )
    except PasswordRefused as exc:
        return _account_page(request, db, user, {exc.field: exc.message}, exc.status)
    sign_in(request, db, user)
    others = max(ended - 1, 0)
    flash(request, f"Your password is changed. {others} other session{'' if others == 1 else 's'} signed out.")
    return see_other("/account")


@router.post("/account/sessions/{handle}/end")
def end_session_page(request: Request, handle: str, db: SessionDep, user: CurrentUser) -> Response:
    if end_own_session(db=db, user=user, handle=handle):
        flash(request, "That session is signed out.")
    return see_other("/account")


@router.post("/account/sign-out-everywhere")
def sign_out_everywhere_page(request: Request, db: SessionDep, user: CurrentUser) -> Response:
    sign_out_everywhere(db=db, user=user)
    sign_out(request, db)
    return see_other("/login")
