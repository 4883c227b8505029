"""Sign-in for JSON clients: POST /api/auth/login sets the session cookie."""

from fastapi import APIRouter, HTTPException, Request, Response, status
from pydantic import BaseModel, Field

from app.auth.accounts import authenticate
from app.auth.deps import CurrentUser, sign_in, sign_out
from app.db import SessionDep
from app.models import User

router = APIRouter(prefix="/api/auth", tags=["auth"])


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


@router.post("/login", responses={401: {"description": "Wrong username or password"}})
def login(body: Credentials, request: Request, db: SessionDep) -> UserPublic:
    user = authenticate(db=db, username=body.username, password=body.password)
    if user is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Wrong username or password.")
    sign_in(request, user)
    return user_public(user)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(request: Request) -> Response:
    sign_out(request)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/me")
def me(user: CurrentUser) -> UserPublic:
    return user_public(user)
