"""Staff's JSON API for people and records, supervisors' reviews, and everyone's own data export."""

from typing import Any

from fastapi import APIRouter, HTTPException, Response, status
from pydantic import BaseModel, Field

from app.auth.accounts import (
    AccountError,
    add_person,
    add_to_cohort,
    find_user,
    list_cohorts,
    list_users,
)
from app.auth.audit import recent_events, record
from app.auth.deps import CurrentUser, ReviewerUser, StaffUser
from app.auth.privacy import delete_user_data, export_user_data
from app.db import SessionDep
from app.models import AuditEvent, Cohort, Turn, User
from app.practice.context import PracticeDep
from app.practice.reviews import ReviewRejected, ReviewRequest, add_review
from app.practice.scenario import session_content
from app.routes.auth_api import UserPublic, user_public
from app.routes.guards import RecordId, reviewable_session
from app.routes.presenters import review_public
from app.routes.responses import CHANGES, SIGNED_IN, errors
from app.routes.schemas import ReviewCreate, ReviewPublic
from app.security import UnicodeJSONRoute

router = APIRouter(prefix="/api", tags=["people"], route_class=UnicodeJSONRoute, responses=errors(*SIGNED_IN))


class UserCreate(BaseModel):
    username: str = Field(max_length=80)
    password: str = Field(max_length=256)
    role: str = Field(max_length=16)
    display_name: str = Field(default="", max_length=120)
    cohort: str | None = Field(default=None, max_length=120)


class CohortPublic(BaseModel):
    id: int
    name: str


class CohortMemberAdd(BaseModel):
    username: str = Field(max_length=80)


@router.get("/users", responses=errors(403))
def users(db: SessionDep, _staff: StaffUser) -> list[UserPublic]:
    return [user_public(u) for u in list_users(db=db)]


@router.post("/users", status_code=status.HTTP_201_CREATED, responses=errors(*CHANGES))
def add_user(body: UserCreate, db: SessionDep, staff: StaffUser) -> UserPublic:
    try:
        user = add_person(
            db=db,
            username=body.username,
            password=body.password,
            role=body.role,
            display_name=body.display_name,
            cohort=body.cohort or "",
        )
    except AccountError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from exc
    record(db=db, actor=staff, action="create-user", target=f"user:{user.id}", role=user.role)
    return user_public(user)


@router.delete("/users/{user_id}", status_code=status.HTTP_204_NO_CONTENT, responses=errors(*CHANGES, 404, 409))
def delete_user(user_id: RecordId, db: SessionDep, staff: StaffUser) -> Response:
    user = db.get(User, user_id)
    if user is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "No such user.")
    if user.id == staff.id:
        raise HTTPException(status.HTTP_409_CONFLICT, "You cannot delete your own account.")
    deleted = delete_user_data(db=db, user=user)
    record(db=db, actor=staff, action="delete-user", target=f"user:{user_id}", sessions_deleted=deleted)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/cohorts", responses=errors(403))
def cohorts(db: SessionDep, _staff: StaffUser) -> list[CohortPublic]:
    return [CohortPublic(id=c.id or 0, name=c.name) for c in list_cohorts(db=db)]


@router.post("/cohorts/{cohort_id}/members", status_code=status.HTTP_204_NO_CONTENT, responses=errors(*CHANGES, 404))
def add_member(cohort_id: RecordId, body: CohortMemberAdd, db: SessionDep, staff: StaffUser) -> Response:
    cohort = db.get(Cohort, cohort_id)
    user = find_user(db=db, username=body.username)
    if cohort is None or user is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "No such cohort or user.")
    try:
        add_to_cohort(db=db, cohort=cohort, user=user)
    except AccountError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from exc
    record(db=db, actor=staff, action="add-member", target=f"cohort:{cohort_id}", user=body.username)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/audit", responses=errors(403))
def audit(db: SessionDep, _staff: StaffUser) -> list[AuditEvent]:
    return recent_events(db=db)


@router.get("/me/export")
def export_mine(db: SessionDep, user: CurrentUser) -> dict[str, Any]:
    """Everything stored about the signed-in user."""
    record(db=db, actor=user, action="export", target=f"user:{user.id}")
    return export_user_data(db=db, user=user)


@router.post(
    "/sessions/{session_id}/turns/{turn_id}/reviews",
    status_code=status.HTTP_201_CREATED,
    responses=errors(*CHANGES, 404),
)
def review_turn(
    session_id: str, turn_id: RecordId, body: ReviewCreate, db: SessionDep, ctx: PracticeDep, reviewer: ReviewerUser
) -> ReviewPublic:
    practice = reviewable_session(db=db, user=reviewer, session_id=session_id)
    turn = db.get(Turn, turn_id)
    if turn is None or turn.session_id != practice.id:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "No such turn in this session.")
    request = ReviewRequest(kind=body.kind, text=body.text, dimension=body.dimension, level=body.level)
    try:
        review = add_review(
            db=db,
            rubric=session_content(db=db, ctx=ctx, practice=practice)[1],
            turn=turn,
            author=reviewer,
            request=request,
        )
    except ReviewRejected as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from exc
    record(
        db=db, actor=reviewer, action=body.kind, target=f"turn:{turn_id}", dimension=body.dimension, level=body.level
    )
    return review_public(review)
