"""Request dependencies: the signed-in user, and role checks."""

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session
from starsessions import get_session_id, regenerate_session_id

from app.auth.sessions import USER_KEY, open_session, revoke_session, session_key_hash, session_user
from app.config import get_settings
from app.models import User


class NotSignedIn(Exception):
    """No valid sign-in on this request: 401 for the API, a redirect to /login for pages."""


class Forbidden(Exception):
    """Signed in, but this role may not do that."""


def sign_in(request: Request, db: Session, user: User) -> None:
    """A new server-side session under a new id (so an id planted before sign-in is worth nothing)."""
    sign_out(request, db)
    assert user.id is not None
    user_agent = request.headers.get("user-agent", "")
    session_id = regenerate_session_id(request)
    open_session(
        db=db, user_id=user.id, session_id=session_id, user_agent=user_agent, max_age_s=get_settings().session_max_age_s
    )
    request.session[USER_KEY] = user.id


def sign_out(request: Request, db: Session) -> None:
    """End this browser's session now: its row is deleted, so a copied cookie is worth nothing."""
    session_id = get_session_id(request)
    if session_id:
        revoke_session(db=db, key_hash=session_key_hash(session_id))
    request.session.clear()


async def get_current_user(request: Request) -> User:
    """The signed-in user, read with the sign-in session at the start of the request (no connection is
    held for the rest of it)."""
    uid = request.session.get(USER_KEY)
    user = session_user.get()
    if user is None or user.id != uid or not user.is_active:
        request.session.clear()
        raise NotSignedIn()
    request.state.user = user
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]


def require_role(*roles: str) -> Callable[[User], Awaitable[User]]:
    async def check(user: CurrentUser) -> User:
        if user.role not in roles:
            raise Forbidden()
        return user

    return check


StaffUser = Annotated[User, Depends(require_role("staff"))]
ReviewerUser = Annotated[User, Depends(require_role("supervisor", "staff"))]
