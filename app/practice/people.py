"""Staff manage people: create a user (in a cohort), add a member to a cohort, delete a user with their data.

Each use case checks its rules, writes its audit row in the same transaction and returns what it did.
(Sign-in rules and password checks live in app.auth.)
"""

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from app.auth.accounts import add_person, ensure_not_last_staff, join_cohort
from app.auth.audit import MemberAdded, ResetCodeIssued, UserCreated, UserDeleted, record
from app.auth.privacy import delete_user_data
from app.auth.resets import issue_reset_code
from app.errors import Conflict, NotFound
from app.models import Cohort, User


def create_user(
    *, db: Session, staff: User, username: str, password: str, role: str, display_name: str = "", cohort: str = ""
) -> User:
    """A new account, in a cohort when one is named (created if new). Refusal: `AccountError` (422)."""
    user = add_person(db=db, username=username, password=password, role=role, display_name=display_name, cohort=cohort)
    event = UserCreated(user_id=user.id or 0, role=user.role, cohort=cohort.strip() or None)
    record(db=db, actor=staff, event=event)
    db.commit()
    return user


@dataclass(frozen=True)
class MemberAddedResult:
    user: User
    cohort: Cohort


def add_cohort_member(*, db: Session, staff: User, username: str, cohort: str) -> MemberAddedResult:
    """A trainee joins a cohort, or a supervisor comes to supervise it (the cohort is created if new)."""
    user, group = join_cohort(db=db, username=username, cohort=cohort)
    record(db=db, actor=staff, event=MemberAdded(cohort_id=group.id or 0, user=user.username))
    db.commit()
    return MemberAddedResult(user=user, cohort=group)


def user_to_delete(*, db: Session, staff: User, user_id: int) -> User:
    """The user staff want to delete, if they may: not themselves, and never the last staff account."""
    user = db.get(User, user_id)
    if user is None:
        raise NotFound("No such user: they may have been deleted already.")
    if user.id == staff.id:
        raise Conflict("You cannot delete your own account.")
    ensure_not_last_staff(db=db, user=user)
    return user


@dataclass(frozen=True)
class UserDeletedResult:
    username: str
    sessions_deleted: int


def delete_user(*, db: Session, staff: User, user_id: int) -> UserDeletedResult:
    """Delete a user with their sessions, turns, grades, reviews of them, memberships and sign-ins."""
    user = user_to_delete(db=db, staff=staff, user_id=user_id)
    username = user.username
    deleted = delete_user_data(db=db, user=user)
    record(db=db, actor=staff, event=UserDeleted(user_id=user_id, username=username, sessions_deleted=deleted))
    db.commit()
    return UserDeletedResult(username=username, sessions_deleted=deleted)


@dataclass(frozen=True)
class ResetCode:
    """A one-time code the user trades for a new password; shown once, only its hash is kept."""

    user: User
    code: str
    expires_at: datetime


def make_reset_code(*, db: Session, staff: User, user_id: int, max_age_s: int) -> ResetCode:
    """Staff reset someone's password: a one-time code (the caller has asked for staff's password again)."""
    user = db.get(User, user_id)
    if user is None:
        raise NotFound("No such user: they may have been deleted.")
    code, expires_at = issue_reset_code(db=db, user=user, issued_by=staff, max_age_s=max_age_s)
    record(db=db, actor=staff, event=ResetCodeIssued(user_id=user_id, username=user.username))
    db.commit()
    return ResetCode(user=user, code=code, expires_at=expires_at)
