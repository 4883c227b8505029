"""Staff's JSON API for people and records, supervisors' reviews, and everyone's own data export."""

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request, Response, status
from pydantic import BaseModel, Field

from app.auth.accounts import list_cohorts, users_query
from app.auth.deps import CurrentUser, ReviewerUser, StaffUser
from app.config import get_settings
from app.db import SessionDep
from app.errors import NotAllowed, NotFound
from app.models import AuditEvent, Cohort, User
from app.practice.audit_log import audit_page
from app.practice.context import PracticeDep
from app.practice.exports import export_my_data
from app.practice.paging import page_query
from app.practice.people import add_cohort_member, create_user, delete_user, make_reset_code
from app.practice.reviews import ReviewRequest, review_turn
from app.routes.auth_api import UserPublic, confirm_staff_action, user_public
from app.routes.guards import RecordId
from app.routes.list_params import AuditQuery, PageQuery, paged
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


class PasswordConfirmation(BaseModel):
    password: str = Field(
        max_length=256,
        description="Your own password, asked again; it may be left out in the PEER_REAUTH_WINDOW_S after signing in",
    )


class ResetCodeOut(BaseModel):
    code: str = Field(description="Shown once; the user trades it for a new password at POST /api/auth/reset")
    expires_at: datetime


def _require_password(request: Request, db: SessionDep, staff: User, body: PasswordConfirmation | None) -> None:
    if not confirm_staff_action(request, db, staff, body.password if body else ""):
        raise NotAllowed("Your password is not right; this action needs it again.")


@router.get("/users", responses=errors(403))
def users(
    request: Request, response: Response, db: SessionDep, _staff: StaffUser, paging: PageQuery
) -> list[UserPublic]:
    """Everyone, by role then name; paged (`X-Total-Count`, `Link`)."""
    found = page_query(db=db, query=users_query(), request=paging)
    return [user_public(u) for u in paged(response, request.url, found)]


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


@router.delete(
    "/users/{user_id}", status_code=status.HTTP_204_NO_CONTENT, responses=errors(*CHANGES, 404, 409, 429)
)
def delete_user_by_id(
    user_id: RecordId, request: Request, db: SessionDep, staff: StaffUser, body: PasswordConfirmation | None = None
) -> Response:
    """Deletes the user, their data and every sign-in of theirs. Needs your password again."""
    _require_password(request, db, staff, body)
    delete_user(db=db, staff=staff, user_id=user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/users/{user_id}/reset-code", status_code=status.HTTP_201_CREATED, responses=errors(*CHANGES, 404, 429))
def reset_code_for_user(
    user_id: RecordId, request: Request, db: SessionDep, staff: StaffUser, body: PasswordConfirmation | None = None
) -> ResetCodeOut:
    """A one-time code the user trades for a new password. Needs your password again."""
    _require_password(request, db, staff, body)
    issued = make_reset_code(db=db, staff=staff, user_id=user_id, max_age_s=get_settings().reset_code_max_age_s)
    return ResetCodeOut(code=issued.code, expires_at=issued.expires_at)


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
def audit(
    request: Request, response: Response, db: SessionDep, staff: StaffUser, audit_filter: AuditQuery, paging: PageQuery
) -> list[AuditEvent]:
    """The audit log, newest first, filtered by who (username), action and date (YYYY-MM-DD); paged."""
    found = audit_page(db=db, viewer=staff, audit_filter=audit_filter, paging=paging)
    return paged(response, request.url, found)


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
