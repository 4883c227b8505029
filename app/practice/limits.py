"""How often one user may act, counted in the database (so every worker agrees): messages a minute,
sessions an hour. Over the limit is a `TooMany` (429) that says when to try again."""

from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.errors import TooMany
from app.models import PracticeSession, Turn, TurnRole, User, as_utc, utcnow


class TooManyTurns(TooMany):
    """The trainee is sending faster than PEER_TURNS_PER_MINUTE."""


class TooManySessions(TooMany):
    """The user has started PEER_SESSIONS_PER_HOUR sessions in the last hour."""


def _retry_after(oldest: datetime | None, window: timedelta) -> int:
    """Seconds until the oldest counted action leaves the window (at least one)."""
    if oldest is None:
        return 1
    return max(1, int((as_utc(oldest) + window - utcnow()).total_seconds()) + 1)


def check_turn_rate(*, db: Session, user: User, per_minute: int) -> None:
    window = timedelta(minutes=1)
    query = (
        select(func.count(), func.min(Turn.created_at))
        .select_from(Turn)
        .join(PracticeSession, col(PracticeSession.id) == col(Turn.session_id))
        .where(
            PracticeSession.trainee_id == user.id,
            Turn.role == TurnRole.TRAINEE,
            col(Turn.created_at) >= utcnow() - window,
        )
    )
    count, oldest = db.exec(query).one()
    if count >= per_minute:
        raise TooManyTurns(
            f"You've sent {per_minute} messages in the last minute. Take a breath and try again in a moment.",
            retry_after_s=_retry_after(oldest, window),
        )


def check_session_rate(*, db: Session, user: User, per_hour: int) -> None:
    window = timedelta(hours=1)
    query = select(func.count(), func.min(PracticeSession.created_at)).where(
        PracticeSession.trainee_id == user.id, col(PracticeSession.created_at) >= utcnow() - window
    )
    count, oldest = db.exec(query).one()
    if count >= per_hour:
        minutes = max(1, _retry_after(oldest, window) // 60)
        raise TooManySessions(
            f"You've started {per_hour} practice sessions in the last hour; you can start another in about "
            f"{minutes} minute{'' if minutes == 1 else 's'}. Carry on with one you have started meanwhile.",
            retry_after_s=_retry_after(oldest, window),
        )
