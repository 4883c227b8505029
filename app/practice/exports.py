"""Exports: everything stored about the signed-in user, and a supervisor's copy of one session.

A running assessment keeps its secrets in the trainee's own export too: no grades, coaching, reviews,
and none of the peer's hidden state (trust, mood, inner voice) until it ends.
"""

from typing import Any

from sqlmodel import Session, col, select

from app.auth.audit import SessionExported, UserDataExported, record
from app.auth.privacy import sessions_of
from app.models import AuditEvent, Cohort, CohortMember, GradeRecord, PracticeSession, Review, Turn, User
from app.practice.access import reviewable_session
from app.practice.sessions import coaching_held_back, list_turns

HELD_BACK = "held back until this assessment ends"


def _turn_export(turn: Turn, grade: GradeRecord | None, reviews: list[Review], held_back: bool) -> dict[str, Any]:
    if held_back:
        return {**turn.model_dump(mode="json", exclude={"reading", "persona_state"}), "grade": None, "reviews": []}
    return {
        **turn.model_dump(mode="json", exclude={"reading"}),
        "grade": grade.model_dump(mode="json") if grade else None,
        "reviews": [r.model_dump(mode="json") for r in reviews],
    }


def _session_export(db: Session, practice: PracticeSession, user: User) -> dict[str, Any]:
    held_back = coaching_held_back(practice, user)
    turns = list_turns(db=db, session_id=practice.id)
    turn_ids = [t.id for t in turns]
    grades = {g.turn_id: g for g in db.exec(select(GradeRecord).where(col(GradeRecord.turn_id).in_(turn_ids)))}
    reviews = db.exec(select(Review).where(col(Review.turn_id).in_(turn_ids))).all()
    session = practice.model_dump(mode="json")
    if held_back:
        session["persona_state"] = HELD_BACK
    session["turns"] = [
        _turn_export(t, grades.get(t.id or 0), [r for r in reviews if r.turn_id == t.id], held_back) for t in turns
    ]
    return session


def export_my_data(*, db: Session, user: User) -> dict[str, Any]:
    """Everything stored about the signed-in user, in a form they can read and keep (audited)."""
    record(db=db, actor=user, event=UserDataExported(user_id=user.id or 0))
    db.commit()
    cohorts = db.exec(
        select(Cohort.name, CohortMember.role).join(CohortMember).where(CohortMember.user_id == user.id)
    ).all()
    actions = db.exec(select(AuditEvent).where(AuditEvent.actor_id == user.id).order_by(col(AuditEvent.id))).all()
    return {
        "user": user.model_dump(mode="json", exclude={"password_hash"}),
        "cohorts": [{"name": name, "role": role} for name, role in cohorts],
        "sessions": [_session_export(db, practice, user) for practice in sessions_of(db, user)],
        "audit_events_by_you": [event.model_dump(mode="json") for event in actions],
    }


def session_to_export(*, db: Session, reviewer: User, session_id: str) -> PracticeSession:
    """The session a supervisor (or staff) downloads, with the download in the audit log."""
    practice = reviewable_session(db=db, user=reviewer, session_id=session_id)
    record(db=db, actor=reviewer, event=SessionExported(session_id=practice.id))
    db.commit()
    return practice
