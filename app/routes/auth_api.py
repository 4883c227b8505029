"""Sign-in for JSON clients: fetch a CSRF token, sign in (the session cookie), sign out, see and end
your own sessions, change your password, redeem a staff reset code."""

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request, Response, status
from pydantic import BaseModel, Field
from sqlmodel import Session
from starsessions import get_session_id

from app.auth.deps import CurrentUser, sign_in, sign_out
from app.auth.sessions import active_sessions, end_own_session, sign_out_everywhere, signed_in_at
from app.auth.signin import change_password as change_password_checked
from app.auth.signin import confirm_sensitive_action, reset_with_code, sign_in_with_password
from app.config import get_settings
from app.db import SessionDep
from app.errors import NotFound
from app.models import User
from app.routes.responses import ANY_REQUEST, CHANGES, errors
from app.routes.schemas import ErrorDetail
from app.security import UnicodeJSONRoute
from app.templating import csrf_token

router = APIRouter(prefix="/api/auth", tags=["auth"], route_class=UnicodeJSONRoute, responses=errors(*ANY_REQUEST))


class Credentials(BaseModel):
    username: str = Field(max_length=80)
    password: str = Field(max_length=256)


class UserPublic(BaseModel):
    id: int
    username: str
    display_name: str
    role: str


class CsrfToken(BaseModel):
    csrftoken: str


class SessionPublic(BaseModel):
    id: str = Field(description="Names the session for DELETE /api/auth/sessions/{id}; it cannot sign anyone in")
    user_agent: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    current: bool


class PasswordChange(BaseModel):
    current_password: str = Field(max_length=256)
    new_password: str = Field(max_length=256)


class PasswordResetRequest(BaseModel):
    username: str = Field(max_length=80)
    code: str = Field(max_length=80)
    new_password: str = Field(max_length=256)


def user_public(user: User) -> UserPublic:
    return UserPublic(id=user.id or 0, username=user.username, display_name=user.display_name, role=user.role)


def client_address(request: Request) -> str:
    """The caller's address (behind a proxy, uvicorn's --proxy-headers puts the real one here)."""
    return request.client.host if request.client else "unknown"


def confirm_staff_action(request: Request, db: Session, staff: User, password: str) -> bool:
    """The password asked again before a sensitive action (or a sign-in of the last few minutes)."""
    return confirm_sensitive_action(
        db=db,
        settings=get_settings(),
        user=staff,
        password=password,
        signed_in_at=signed_in_at(db=db, session_id=get_session_id(request)),
        address=client_address(request),
    )


WRONG_PASSWORD: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorDetail, "description": "Wrong username or password"},
    422: {"model": ErrorDetail, "description": "A wrong current password or reset code, or a weak new password"},
    429: {"model": ErrorDetail, "description": "Too many failed sign-ins; Retry-After says when to try again"},
}


@router.get("/csrf")
def csrf(request: Request) -> CsrfToken:
    """The token to send as `X-CSRFToken` with every change, sign-in included (its cookie is set too)."""
    return CsrfToken(csrftoken=csrf_token(request))


@router.post("/login", responses={**errors(*CHANGES), **WRONG_PASSWORD})
def login(body: Credentials, request: Request, db: SessionDep) -> UserPublic:
    user = sign_in_with_password(
        db=db, settings=get_settings(), username=body.username, password=body.password, address=client_address(request)
    )
    sign_in(request, db, user)
    return user_public(user)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, responses=errors(*CHANGES))
def logout(request: Request, db: SessionDep) -> Response:
    sign_out(request, db)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/me", responses=errors(401))
def me(user: CurrentUser) -> UserPublic:
    return user_public(user)


@router.get("/sessions", responses=errors(401))
def my_sessions(request: Request, db: SessionDep, user: CurrentUser) -> list[SessionPublic]:
    """Where you are signed in now."""
    assert user.id is not None
    found = active_sessions(db=db, user_id=user.id, current_session_id=get_session_id(request))
    return [
        SessionPublic(
            id=s.handle,
            user_agent=s.user_agent,
            created_at=s.created_at,
            last_seen_at=s.last_seen_at,
            expires_at=s.expires_at,
            current=s.current,
        )
        for s in found
    ]


@router.delete("/sessions/{handle}", status_code=status.HTTP_204_NO_CONTENT, responses=errors(401, 404, *CHANGES))
def end_session(handle: str, db: SessionDep, user: CurrentUser) -> Response:
    if not end_own_session(db=db, user=user, handle=handle):
        raise NotFound("No such session of yours: it may have ended already.")
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/logout-everywhere", status_code=status.HTTP_204_NO_CONTENT, responses=errors(401, *CHANGES))
def logout_everywhere(request: Request, db: SessionDep, user: CurrentUser) -> Response:
    """End every session of yours, this one included."""
    sign_out_everywhere(db=db, user=user)
    sign_out(request, db)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/password", responses={**errors(401, *CHANGES), **WRONG_PASSWORD})
def change_password(body: PasswordChange, request: Request, db: SessionDep, user: CurrentUser) -> UserPublic:
    """Needs the current password. Every session of yours ends; this one goes on under a new id."""
    address = client_address(request)
    change_password_checked(
        db=db, settings=get_settings(), user=user, current=body.current_password, new=body.new_password, address=address
    )
    sign_in(request, db, user)
    return user_public(user)


@router.post("/reset", status_code=status.HTTP_204_NO_CONTENT, responses={**errors(*CHANGES), **WRONG_PASSWORD})
def reset_password(body: PasswordResetRequest, request: Request, db: SessionDep) -> Response:
    """Trade a one-time code from program staff for a new password; then sign in with it."""
    reset_with_code(
        db=db,
        settings=get_settings(),
        username=body.username,
        code=body.code,
        new=body.new_password,
        address=client_address(request),
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)
