"""The end-of-session summary: averages per dimension, strongest and weakest moments, how the peer's
trust moved, each boundary test and crisis moment and how it was handled, and what to practise."""

from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from app.content.personas import Persona
from app.content.rubrics import CrisisCheck, Rubric
from app.models import GradeRecord, Turn
from app.persona.model_replies import model_replies_for
from app.practice.peer_path import PeerPath, fits_persona, peer_path
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
    path: PeerPath = field(default_factory=PeerPath)
    better_replies: list[str] = field(default_factory=list)
    """For the moment to learn from: what a skilled peer specialist might have said to that line."""


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


TIPS = 3


def _better_for(persona: Persona, graded: list[GradedTurn], moment: Moment | None) -> list[str]:
    """The model replies authored for the peer line the weakest reply answered."""
    if moment is None:
        return []
    before = [g.turn for g in graded if g.turn.role == "peer" and g.turn.position < moment.turn.position]
    return model_replies_for(persona, before[-1].text) if before else []


def summarise(
    *,
    rubric: Rubric,
    graded: list[GradedTurn],
    persona: Persona | None = None,
    checklist: list[CrisisCheck] | None = None,
) -> SessionSummary:
    """With the persona, the summary also tells the peer's side, and keeps only tips that fit them."""
    summary = _scores_summary(rubric, graded)
    if persona is not None:
        turns = [g.turn for g in graded]
        summary.path = peer_path(persona=persona, turns=turns, checklist=checklist or rubric.crisis_checklist)
        summary.practise_tips = [tip for tip in summary.practise_tips if fits_persona(tip, persona)]
        summary.better_replies = _better_for(persona, graded, summary.weakest or summary.strongest)
    summary.practise_tips = summary.practise_tips[:TIPS]
    return summary


def _scores_summary(rubric: Rubric, graded: list[GradedTurn]) -> SessionSummary:
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
        practise_tips=[tip.say for tip in rubric.dimension(focus).coaching_tips] if focus else [],
    )
