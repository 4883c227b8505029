"""A trainee's data: everything about them as one export, and deleting all of it."""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, delete, select

from app.models import (
    AuditEvent,
    BlindGrade,
    Cohort,
    CohortMember,
    GradeRecord,
    PracticeSession,
    Review,
    ReviewReceipt,
    Turn,
    User,
)


def _sessions_of(db: Session, user: User) -> list[PracticeSession]:
    query = select(PracticeSession).where(PracticeSession.trainee_id == user.id)
    return list(db.exec(query.order_by(col(PracticeSession.created_at))).all())


def export_user_data(*, db: Session, user: User) -> dict[str, Any]:
    """Everything stored about one user, in a form they can read and keep."""
    sessions = []
    for practice in _sessions_of(db, user):
        turns = db.exec(select(Turn).where(Turn.session_id == practice.id).order_by(col(Turn.position))).all()
        turn_ids = [t.id for t in turns]
        grades = {g.turn_id: g for g in db.exec(select(GradeRecord).where(col(GradeRecord.turn_id).in_(turn_ids)))}
        reviews = db.exec(select(Review).where(col(Review.turn_id).in_(turn_ids))).all()
        sessions.append(
            {
                **practice.model_dump(mode="json"),
                "turns": [
                    {
                        **t.model_dump(mode="json", exclude={"reading"}),
                        "grade": grades[t.id].model_dump(mode="json") if t.id in grades else None,
                        "reviews": [r.model_dump(mode="json") for r in reviews if r.turn_id == t.id],
                    }
                    for t in turns
                ],
            }
        )
    profile = user.model_dump(mode="json", exclude={"password_hash"})
    cohorts = db.exec(
        select(Cohort.name, CohortMember.role).join(CohortMember).where(CohortMember.user_id == user.id)
    ).all()
    actions = db.exec(select(AuditEvent).where(AuditEvent.actor_id == user.id).order_by(col(AuditEvent.id))).all()
    return {
        "user": profile,
        "cohorts": [{"name": name, "role": role} for name, role in cohorts],
        "sessions": sessions,
        "audit_events_by_you": [event.model_dump(mode="json") for event in actions],
    }


def delete_user_data(*, db: Session, user: User) -> int:
    """Delete a user with their sessions, turns, grades, reviews and memberships. Returns sessions deleted."""
    sessions = _sessions_of(db, user)
    session_ids = [s.id for s in sessions]
    turn_ids = select(Turn.id).where(col(Turn.session_id).in_(session_ids))
    db.exec(delete(Review).where(col(Review.turn_id).in_(turn_ids)))
    db.exec(delete(BlindGrade).where(col(BlindGrade.turn_id).in_(turn_ids)))
    db.exec(delete(GradeRecord).where(col(GradeRecord.turn_id).in_(turn_ids)))
    db.exec(delete(ReviewReceipt).where(col(ReviewReceipt.user_id) == user.id))
    db.exec(delete(Turn).where(col(Turn.session_id).in_(session_ids)))
    db.exec(delete(PracticeSession).where(col(PracticeSession.id).in_(session_ids)))
    db.exec(delete(CohortMember).where(col(CohortMember.user_id) == user.id))
    for review in db.exec(select(Review).where(Review.author_id == user.id)).all():
        review.author_id = None
        db.add(review)
    for blind in db.exec(select(BlindGrade).where(BlindGrade.author_id == user.id)).all():
        blind.author_id = None
        db.add(blind)
    db.delete(user)
    db.commit()
    return len(session_ids)


@dataclass(frozen=True)
class DataCounts:
    """How much deleting a user removes, for the confirmation page."""

    sessions: int
    turns: int
    reviews_written: int


def count_user_data(*, db: Session, user: User) -> DataCounts:
    session_ids = select(PracticeSession.id).where(PracticeSession.trainee_id == user.id)
    turns = select(func.count()).select_from(Turn).where(col(Turn.session_id).in_(session_ids))
    sessions = select(func.count()).select_from(PracticeSession).where(PracticeSession.trainee_id == user.id)
    reviews = select(func.count()).select_from(Review).where(Review.author_id == user.id)
    return DataCounts(
        sessions=db.exec(sessions).one(), turns=db.exec(turns).one(), reviews_written=db.exec(reviews).one()
    )


def sessions_per_user(*, db: Session) -> dict[int, int]:
    query = select(PracticeSession.trainee_id, func.count()).group_by(col(PracticeSession.trainee_id))
    return {int(uid): int(n) for uid, n in db.exec(query).all() if uid is not None}
