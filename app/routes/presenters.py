"""Turn database rows into the API's public shapes."""

from typing import Any

from app.grading.base import Coaching
from app.models import GradeRecord, PracticeSession, Turn
from app.practice.summary import GradedTurn
from app.routes.schemas import GradePublic, PersonaStatePublic, SessionPublic, TurnPublic


def grade_public(grade: GradeRecord | None) -> GradePublic | None:
    if grade is None:
        return None
    return GradePublic(
        grader=grade.grader,
        scores=grade.scores,
        evidence=grade.evidence,
        coaching=Coaching.model_validate(grade.coaching),
    )


def turn_public(turn: Turn, grade: GradeRecord | None = None) -> TurnPublic:
    return TurnPublic(
        id=turn.id or 0,
        position=turn.position,
        role=turn.role,
        text=turn.text,
        status=turn.status,
        error=turn.error,
        created_at=turn.created_at,
        grade=grade_public(grade),
    )


def state_public(state: dict[str, Any]) -> PersonaStatePublic:
    return PersonaStatePublic(
        trust=state["trust"],
        mood=state["mood"],
        revealed=list(state.get("revealed", [])),
        outcome=bool(state.get("outcome_reached", False)),
    )


def session_public(practice: PracticeSession, graded: list[GradedTurn]) -> SessionPublic:
    return SessionPublic(
        id=practice.id,
        persona=practice.persona_id,
        persona_version=practice.persona_version,
        rubric=practice.rubric_id,
        rubric_version=practice.rubric_version,
        engine=practice.engine,
        status=practice.status,
        trainee_name=practice.trainee_name,
        created_at=practice.created_at,
        ended_at=practice.ended_at,
        persona_state=state_public(practice.persona_state),
        turns=[turn_public(g.turn, g.grade) for g in graded],
    )
