"""How many messages one trainee may send a minute, counted in the database (so every worker agrees)."""

from datetime import timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.models import PracticeSession, Turn, User, utcnow


class TooManyTurns(RuntimeError):
    """The trainee is sending faster than the limit; the text says when to try again."""


def check_turn_rate(*, db: Session, user: User, per_minute: int) -> None:
    since = utcnow() - timedelta(minutes=1)
    query = (
        select(func.count())
        .select_from(Turn)
        .join(PracticeSession, col(PracticeSession.id) == col(Turn.session_id))
        .where(PracticeSession.trainee_id == user.id, Turn.role == "trainee", col(Turn.created_at) >= since)
    )
    if db.exec(query).one() >= per_minute:
        raise TooManyTurns(
            f"You've sent {per_minute} messages in the last minute. Take a breath and try again in a moment."
        )
