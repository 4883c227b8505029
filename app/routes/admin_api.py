"""Staff's JSON API for people and records, supervisors' reviews, and everyone's own data export."""

from typing import Any

from fastapi import APIRouter, Response, status
from pydantic import BaseModel, Field

from app.auth.accounts import list_cohorts, list_users
from app.auth.audit import recent_events
from app.auth.deps import CurrentUser, ReviewerUser, StaffUser
from app.db import SessionDep
from app.errors import NotFound
from app.models import AuditEvent, Cohort
from app.practice.context import PracticeDep
from app.practice.exports import export_my_data
from app.practice.people import add_cohort_member, create_user, delete_user
from app.practice.reviews import ReviewRequest, review_turn
from app.routes.auth_api import UserPublic, user_public
from app.routes.guards import RecordId
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
    user = create_user(
        db=db,
        staff=staff,
        username=body.username,
        password=body.password,
        role=body.role,
        display_name=body.display_name,
        cohort=body.cohort or "",
    )
    return user_public(user)


@router.delete("/users/{user_id}", status_code=status.HTTP_204_NO_CONTENT, responses=errors(*CHANGES, 404, 409))
def delete_user_by_id(user_id: RecordId, db: SessionDep, staff: StaffUser) -> Response:
    delete_user(db=db, staff=staff, user_id=user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/cohorts", responses=errors(403))
def cohorts(db: SessionDep, _staff: StaffUser) -> list[CohortPublic]:
    return [CohortPublic(id=c.id or 0, name=c.name) for c in list_cohorts(db=db)]


@router.post("/cohorts/{cohort_id}/members", status_code=status.HTTP_204_NO_CONTENT, responses=errors(*CHANGES, 404))
def add_member(cohort_id: RecordId, body: CohortMemberAdd, db: SessionDep, staff: StaffUser) -> Response:
    cohort = db.get(Cohort, cohort_id)
    if cohort is None:
        raise NotFound("No such cohort.")
    add_cohort_member(db=db, staff=staff, username=body.username, cohort=cohort.name)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/audit", responses=errors(403))
def audit(db: SessionDep, _staff: StaffUser) -> list[AuditEvent]:
    return recent_events(db=db)


@router.get("/me/export")
def export_mine(db: SessionDep, user: CurrentUser) -> dict[str, Any]:
    """Everything stored about the signed-in user (a running assessment's grades and the peer's state
    are held back until it ends)."""
    return export_my_data(db=db, user=user)


@router.post(
    "/sessions/{session_id}/turns/{turn_id}/reviews",
    status_code=status.HTTP_201_CREATED,
    responses=errors(*CHANGES, 404),
)
def review(
    session_id: str, turn_id: RecordId, body: ReviewCreate, db: SessionDep, ctx: PracticeDep, reviewer: ReviewerUser
) -> ReviewPublic:
    request = ReviewRequest(kind=body.kind, text=body.text, dimension=body.dimension, level=body.level)
    saved = review_turn(db=db, ctx=ctx, reviewer=reviewer, session_id=session_id, turn_id=turn_id, request=request)
    return review_public(saved)
