"""Turn database rows into the API's public shapes."""

from typing import Any

from sqlmodel import Session

from app.grading.base import Coaching
from app.models import GradeRecord, PracticeSession, Review, Turn, User
from app.practice.reviewed_coaching import overrides_of, reviewed_coaching
from app.practice.reviews import effective_scores, reviews_for
from app.practice.sessions import coaching_held_back, list_turns
from app.practice.summary import GradedTurn, graded_turns
from app.routes.schemas import (
    GradePublic,
    OverridePublic,
    PersonaStatePublic,
    ReviewPublic,
    SessionListItem,
    SessionPublic,
    TurnPublic,
)


def grade_public(
    grade: GradeRecord | None, reviews: list[Review] | None = None, names: dict[str, str] | None = None
) -> GradePublic | None:
    """The grade with its coaching as supervisors' overrides leave it (`names`: dimension key → name)."""
    if grade is None:
        return None
    overrides = overrides_of(grade.scores, reviews or [])
    return GradePublic(
        grader=grade.grader,
        scores=grade.scores,
        evidence=grade.evidence,
        coaching=reviewed_coaching(Coaching.model_validate(grade.coaching), overrides, names or {}),
        overrides=[OverridePublic.model_validate(o, from_attributes=True) for o in overrides],
    )


def review_public(review: Review) -> ReviewPublic:
    return ReviewPublic.model_validate(review, from_attributes=True)


def turn_public(
    turn: Turn, grade: GradeRecord | None = None, reviews: list[Review] | None = None, *, with_state: bool = False
) -> TurnPublic:
    reviews = reviews or []
    state = turn.persona_state if with_state and turn.role == "peer" else None
    return TurnPublic(
        id=turn.id or 0,
        position=turn.position,
        role=turn.role,
        text=turn.text,
        status=turn.status,
        error=turn.error,
        created_at=turn.created_at,
        grade=grade_public(grade, reviews),
        reviews=[review_public(r) for r in reviews],
        scores=effective_scores(grade, reviews) if grade else None,
        persona_state=state_public(state) if state else None,
    )


def state_public(state: dict[str, Any]) -> PersonaStatePublic:
    return PersonaStatePublic(
        trust=state["trust"],
        mood=state["mood"],
        revealed=list(state.get("revealed", [])),
        outcome=bool(state.get("outcome_reached", False)),
        stage=state.get("stage"),
        inner_voice=state.get("inner_voice") or None,
    )


def session_list_item(practice: PracticeSession) -> SessionListItem:
    return SessionListItem(
        id=practice.id,
        trainee_id=practice.trainee_id,
        trainee_name=practice.trainee_name,
        persona=practice.persona_id,
        rubric=practice.rubric_id,
        status=practice.status,
        created_at=practice.created_at,
        ended_at=practice.ended_at,
    )


def session_public(
    practice: PracticeSession,
    graded: list[GradedTurn],
    reviews: dict[int, list[Review]] | None = None,
    *,
    held_back: bool = False,
    with_states: bool = False,
) -> SessionPublic:
    reviews = reviews or {}
    return SessionPublic(
        id=practice.id,
        persona=practice.persona_id,
        persona_version=practice.persona_version,
        rubric=practice.rubric_id,
        rubric_version=practice.rubric_version,
        engine=practice.engine,
        mode=practice.mode,
        status=practice.status,
        trainee_name=practice.trainee_name,
        created_at=practice.created_at,
        ended_at=practice.ended_at,
        persona_state=None if held_back else state_public(practice.persona_state),
        turns=[turn_public(g.turn, g.grade, reviews.get(g.turn.id or 0), with_state=with_states) for g in graded],
    )


def transcript(*, db: Session, practice: PracticeSession, viewer: User, with_states: bool = False) -> SessionPublic:
    """A whole session as the API returns it: turns, grades, reviews and the scores after review.

    A running assessment shows its trainee only the words: no grades, reviews or peer state.
    `with_states` adds the peer's state after each peer turn (the supervisor's export)."""
    turns = list_turns(db=db, session_id=practice.id)
    if coaching_held_back(practice, viewer):
        return session_public(practice, [GradedTurn(turn=t, grade=None) for t in turns], held_back=True)
    reviews = reviews_for(db=db, turn_ids=[t.id for t in turns if t.id is not None])
    return session_public(practice, graded_turns(db=db, turns=turns), reviews, with_states=with_states)
