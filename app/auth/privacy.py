"""A trainee's data: deleting all of it, and counting what that removes. (The export: app.practice.exports.)"""

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, delete, select

from app.models import (
    AuthSession,
    BlindGrade,
    CohortMember,
    GradeRecord,
    PasswordReset,
    PracticeSession,
    Review,
    ReviewReceipt,
    Turn,
    User,
)


def sessions_of(db: Session, user: User) -> list[PracticeSession]:
    query = select(PracticeSession).where(PracticeSession.trainee_id == user.id)
    return list(db.exec(query.order_by(col(PracticeSession.created_at))).all())


def delete_user_data(*, db: Session, user: User) -> int:
    """Delete a user with their sessions, turns, grades, reviews and memberships, and end every sign-in of
    theirs (the caller commits). Returns the number of practice sessions deleted."""
    sessions = sessions_of(db, user)
    session_ids = [s.id for s in sessions]
    turn_ids = select(Turn.id).where(col(Turn.session_id).in_(session_ids))
    db.exec(delete(Review).where(col(Review.turn_id).in_(turn_ids)))
    db.exec(delete(BlindGrade).where(col(BlindGrade.turn_id).in_(turn_ids)))
    db.exec(delete(GradeRecord).where(col(GradeRecord.turn_id).in_(turn_ids)))
    db.exec(delete(ReviewReceipt).where(col(ReviewReceipt.user_id) == user.id))
    db.exec(delete(Turn).where(col(Turn.session_id).in_(session_ids)))
    db.exec(delete(PracticeSession).where(col(PracticeSession.id).in_(session_ids)))
    db.exec(delete(CohortMember).where(col(CohortMember.user_id) == user.id))
    db.exec(delete(AuthSession).where(col(AuthSession.user_id) == user.id))
    db.exec(delete(PasswordReset).where(col(PasswordReset.user_id) == user.id))
    for review in db.exec(select(Review).where(Review.author_id == user.id)).all():
        review.author_id = None
        db.add(review)
    for blind in db.exec(select(BlindGrade).where(BlindGrade.author_id == user.id)).all():
        blind.author_id = None
        db.add(blind)
    db.delete(user)
    db.flush()
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
