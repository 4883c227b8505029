"""Blind review: a supervisor grades a sample of the cohort's replies without seeing the grader's scores.

The sample is the same for every supervisor of a cohort (a fixed order from the turn ids), with replies
another supervisor already blind-graded first, so two supervisors' grades of one reply come quickly.
Replies the supervisor has reviewed already (and so has seen the grade of) are left out."""

import hashlib
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.auth.audit import BlindGraded, record
from app.content.rubrics import Rubric
from app.errors import Conflict, Invalid, NotFound
from app.models import BlindGrade, PracticeSession, Review, Turn, User
from app.practice.agreement import grades_of_sessions
from app.practice.context import PracticeContext
from app.practice.oversight import cohort_sessions, viewable_cohort
from app.practice.scenario import session_content
from app.practice.sessions import list_turns

CONTEXT_TURNS = 4


@dataclass(frozen=True)
class BlindItem:
    """A reply to grade, with the conversation just before it: no grade, no coaching, no reviews."""

    turn: Turn
    practice: PracticeSession
    rubric: Rubric
    context: list[Turn]
    graded_by_you: int
    remaining: int


def _sample_order(turn_id: int) -> str:
    return hashlib.sha256(f"blind:{turn_id}".encode()).hexdigest()


def _candidates(db: Session, viewer: User, cohort_id: int) -> tuple[list[int], int]:
    """Turn ids still to grade, in sample order, and how many this supervisor graded already."""
    cohort = viewable_cohort(db=db, viewer=viewer, cohort_id=cohort_id)
    grades = grades_of_sessions(db=db, session_ids=[s.id for s in cohort_sessions(db=db, cohort=cohort)])
    blind = db.exec(select(BlindGrade).where(col(BlindGrade.turn_id).in_(list(grades)))).all()
    mine = {b.turn_id for b in blind if b.author_id == viewer.id}
    others = {b.turn_id for b in blind if b.author_id != viewer.id}
    reviewed = set(db.exec(select(Review.turn_id).where(Review.author_id == viewer.id)).all())
    todo = [t for t in grades if t not in mine and t not in reviewed]
    return sorted(todo, key=lambda t: (t not in others, _sample_order(t))), len(mine)


def next_blind_item(*, db: Session, ctx: PracticeContext, viewer: User, cohort_id: int) -> BlindItem | None:
    todo, done = _candidates(db, viewer, cohort_id)
    for turn_id in todo:
        turn = db.get(Turn, turn_id)
        practice = db.get(PracticeSession, turn.session_id) if turn else None
        entry = ctx.catalog.rubrics.get(practice.rubric_id) if practice else None
        if turn is None or practice is None or entry is None:
            continue
        before = [t for t in list_turns(db=db, session_id=practice.id) if t.position < turn.position]
        return BlindItem(turn, practice, entry.item, before[-CONTEXT_TURNS:], done, len(todo))
    return None


def save_blind_grade(
    *, db: Session, ctx: PracticeContext, viewer: User, cohort_id: int, turn_id: int, scores: dict[str, str]
) -> BlindGrade:
    """Save a supervisor's levels for every dimension of the reply's rubric."""
    todo, _ = _candidates(db, viewer, cohort_id)
    turn = db.get(Turn, turn_id)
    practice = db.get(PracticeSession, turn.session_id) if turn else None
    if turn is None or practice is None or turn_id not in todo:
        already = db.exec(select(BlindGrade).where(BlindGrade.turn_id == turn_id, BlindGrade.author_id == viewer.id))
        if already.first() is not None:
            raise Conflict("You have graded this reply already.")
        raise NotFound("No such reply to grade in this cohort.")
    rubric = session_content(db=db, ctx=ctx, practice=practice)[1]
    levels = {key: scores.get(key, "").strip() for key in rubric.keys}
    missing = [rubric.dimension(k).name for k, v in levels.items() if v not in ("0", "1", "2", "3", "4")]
    if missing:
        raise Invalid(f"Choose a level from 0 to 4 for: {', '.join(missing)}.")
    blind = BlindGrade(
        turn_id=turn_id,
        author_id=viewer.id,
        author_name=viewer.display_name or viewer.username,
        scores={k: int(v) for k, v in levels.items()},
    )
    db.add(blind)
    try:
        db.flush()
    except IntegrityError as exc:  # the same supervisor, twice at once
        db.rollback()
        raise Conflict("You have graded this reply already.") from exc
    record(db=db, actor=viewer, event=BlindGraded(turn_id=turn_id, session=practice.id))
    db.commit()
    db.refresh(blind)
    return blind
