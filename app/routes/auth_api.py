"""Sign-in for JSON clients: POST /api/auth/login sets the session cookie."""

from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response, status
from pydantic import BaseModel, Field

from app.auth.accounts import authenticate
from app.auth.deps import CurrentUser, sign_in, sign_out
from app.db import SessionDep
from app.models import User
from app.routes.responses import ANY_REQUEST, CHANGES, errors
from app.routes.schemas import ErrorDetail
from app.security import UnicodeJSONRoute

router = APIRouter(prefix="/api/auth", tags=["auth"], route_class=UnicodeJSONRoute, responses=errors(*ANY_REQUEST))


class Credentials(BaseModel):
    username: str = Field(max_length=80)
    password: str = Field(max_length=256)


class UserPublic(BaseModel):
    id: int
    username: str
    display_name: str
    role: str


def user_public(user: User) -> UserPublic:
    return UserPublic(id=user.id or 0, username=user.username, display_name=user.display_name, role=user.role)


WRONG_PASSWORD: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorDetail, "description": "Wrong username or password"}
}


@router.post("/login", responses={**errors(*CHANGES), **WRONG_PASSWORD})
def login(body: Credentials, request: Request, db: SessionDep) -> UserPublic:
    user = authenticate(db=db, username=body.username, password=body.password)
    if user is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Wrong username or password.")
    sign_in(request, user)
    return user_public(user)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, responses=errors(*CHANGES))
def logout(request: Request) -> Response:
    sign_out(request)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/me", responses=errors(401))
def me(user: CurrentUser) -> UserPublic:
    return user_public(user)
