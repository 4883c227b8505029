"""Who may see what: trainees their own sessions, supervisors their cohorts', staff everything."""

from sqlalchemy import ColumnElement, true
from sqlmodel import Session, col, select

from app.models import CohortMember, PracticeSession, User


def supervised_trainee_ids(*, db: Session, supervisor: User) -> list[int]:
    cohorts = select(CohortMember.cohort_id).where(
        CohortMember.user_id == supervisor.id, CohortMember.role == "supervisor"
    )
    members = select(CohortMember.user_id).where(
        col(CohortMember.cohort_id).in_(cohorts), CohortMember.role == "trainee"
    )
    return [int(uid) for uid in db.exec(members).all()]


def visible_sessions_clause(*, db: Session, user: User) -> ColumnElement[bool]:
    """A WHERE clause selecting the practice sessions this user may read."""
    if user.role == "staff":
        return true()
    own = col(PracticeSession.trainee_id) == user.id
    if user.role == "supervisor":
        return own | col(PracticeSession.trainee_id).in_(supervised_trainee_ids(db=db, supervisor=user))
    return own


def can_read(*, db: Session, user: User, practice: PracticeSession) -> bool:
    if user.role == "staff" or practice.trainee_id == user.id:
        return True
    return user.role == "supervisor" and practice.trainee_id in supervised_trainee_ids(db=db, supervisor=user)


def can_review(*, db: Session, user: User, practice: PracticeSession) -> bool:
    """Overrides and comments: a supervisor of the trainee's cohort, or staff."""
    if user.role == "staff":
        return True
    return user.role == "supervisor" and practice.trainee_id in supervised_trainee_ids(db=db, supervisor=user)


def can_write(*, user: User, practice: PracticeSession) -> bool:
    """Only the person practising adds turns to, or ends, their own session."""
    return practice.trainee_id == user.id
