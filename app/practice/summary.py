"""The end-of-session summary: averages per dimension, strongest and weakest moments, what to practise."""

from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from app.content.rubrics import Rubric
from app.models import GradeRecord, Turn
from app.practice.reviews import effective_scores, reviews_for


@dataclass(frozen=True)
class GradedTurn:
    turn: Turn
    grade: GradeRecord | None
    scores: dict[str, int] | None = None
    """The grade's scores after supervisors' overrides (None when the turn has no grade)."""


@dataclass(frozen=True)
class Moment:
    turn: Turn
    scores: dict[str, int]
    score: float


@dataclass
class SessionSummary:
    graded_count: int
    averages: dict[str, float] = field(default_factory=dict)
    strongest: Moment | None = None
    weakest: Moment | None = None
    practise_next: str | None = None
    practise_tips: list[str] = field(default_factory=list)


def graded_turns(*, db: Session, turns: list[Turn]) -> list[GradedTurn]:
    ids = [t.id for t in turns if t.role == "trainee"]
    grades = db.exec(select(GradeRecord).where(col(GradeRecord.turn_id).in_(ids))).all() if ids else []
    by_turn = {g.turn_id: g for g in grades}
    reviews = reviews_for(db=db, turn_ids=[i for i in ids if i is not None])
    return [
        GradedTurn(turn=t, grade=grade, scores=effective_scores(grade, reviews.get(t.id or -1, [])))
        if (grade := by_turn.get(t.id or -1)) is not None
        else GradedTurn(turn=t, grade=None)
        for t in turns
    ]


def moment_score(rubric: Rubric, scores: dict[str, int]) -> float:
    """Higher is better: skill levels count up, risk levels count down."""
    return float(sum(scores.get(d.key, 0) * (1 if d.kind == "skill" else -1) for d in rubric.dimensions))


def _focus_dimension(rubric: Rubric, averages: dict[str, float]) -> str:
    """The dimension with most room to grow: the highest risk average, else the skill furthest from 2."""
    risks = [(averages[d.key], d.key) for d in rubric.dimensions if d.kind == "risk"]
    worst_risk, worst_key = max(risks, default=(0.0, ""))
    if worst_risk >= 0.5:
        return worst_key
    skills = [(averages[d.key], d.key) for d in rubric.dimensions if d.kind == "skill"]
    return min(skills, default=(0.0, worst_key))[1]


def summarise(*, rubric: Rubric, graded: list[GradedTurn]) -> SessionSummary:
    moments = [
        Moment(turn=g.turn, scores=g.scores, score=moment_score(rubric, g.scores))
        for g in graded
        if g.scores is not None
    ]
    if not moments:
        return SessionSummary(graded_count=0)
    averages = {d.key: round(sum(m.scores.get(d.key, 0) for m in moments) / len(moments), 2) for d in rubric.dimensions}
    focus = _focus_dimension(rubric, averages)
    return SessionSummary(
        graded_count=len(moments),
        averages=averages,
        strongest=max(moments, key=lambda m: m.score),
        weakest=min(moments, key=lambda m: m.score) if len(moments) > 1 else None,
        practise_next=focus,
        practise_tips=list(rubric.dimension(focus).coaching_tips[:3]) if focus else [],
    )
