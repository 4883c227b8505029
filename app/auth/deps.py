"""Request dependencies: the signed-in user, and role checks."""

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request

from app.db import new_session
from app.models import User


class NotSignedIn(Exception):
    """No valid sign-in on this request: 401 for the API, a redirect to /login for pages."""


class Forbidden(Exception):
    """Signed in, but this role may not do that."""


def sign_in(request: Request, user: User) -> None:
    request.session.clear()
    request.session["uid"] = user.id


def sign_out(request: Request) -> None:
    request.session.clear()


def get_current_user(request: Request) -> User:
    """The signed-in user, read in a short session of its own (a sync dependency: FastAPI runs it in a
    worker thread), so no connection is held for the rest of the request."""
    uid = request.session.get("uid")
    with new_session() as db:
        user = db.get(User, uid) if isinstance(uid, int) else None
    if user is None or not user.is_active:
        request.session.clear()
        raise NotSignedIn()
    request.state.user = user
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]


def require_role(*roles: str) -> Callable[[User], User]:
    def check(user: CurrentUser) -> User:
        if user.role not in roles:
            raise Forbidden()
        return user

    return check


StaffUser = Annotated[User, Depends(require_role("staff"))]
ReviewerUser = Annotated[User, Depends(require_role("supervisor", "staff"))]
