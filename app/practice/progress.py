"""A trainee's progress over their sessions: scores after review, flagged replies, the peer's final trust,
boundary tests and crisis moments (when the session's persona state records them), personas and time."""

from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlmodel import Session, col, select

from app.auth.audit import ProgressViewed
from app.content.rubrics import Rubric
from app.models import PracticeSession, Turn, User
from app.practice.audit_log import record_once
from app.practice.context import PracticeContext
from app.practice.oversight import viewable_trainee
from app.practice.sessions import coaching_held_back, list_turns
from app.practice.summary import GradedTurn, graded_turns, summarise

FLAG_LEVEL = 2
"""A risk dimension at this level or more is flagged (see DESIGN.md, levels)."""


@dataclass(frozen=True)
class SessionProgress:
    """One session as a point on the trainee's progress."""

    id: str
    persona: str
    persona_name: str
    rubric: str
    mode: str
    status: str
    started_at: datetime
    turns: int
    minutes: float
    averages: dict[str, float] = field(default_factory=dict)
    flagged: int | None = None
    final_trust: int | None = None
    boundary_tests: int | None = None
    boundary_tests_declined: int | None = None
    crisis_moments: int | None = None
    held_back: bool = False
    """A running assessment seen by its trainee: its grades and the peer's trust are not shown yet."""


@dataclass(frozen=True)
class TraineeProgress:
    trainee: User
    sessions: list[SessionProgress]
    dimensions: list[tuple[str, str, str]]
    """(key, name, kind) of every dimension the sessions were graded on, rubric order, default rubric first."""

    @property
    def personas(self) -> dict[str, int]:
        """Sessions per persona practised."""
        counts: dict[str, int] = {}
        for session in self.sessions:
            counts[session.persona_name] = counts.get(session.persona_name, 0) + 1
        return counts

    @property
    def practice_minutes(self) -> float:
        return round(sum(s.minutes for s in self.sessions), 1)


def flagged_count(rubric: Rubric | None, graded: list[GradedTurn]) -> int:
    risks = [d.key for d in rubric.dimensions if d.kind == "risk"] if rubric else []
    return sum(1 for g in graded if g.scores and any(g.scores.get(k, 0) >= FLAG_LEVEL for k in risks))


def practice_minutes(practice: PracticeSession, turns: list[Turn]) -> float:
    """From the start to the end, or to the last turn of a session still open."""
    last = practice.ended_at or (turns[-1].created_at if turns else practice.created_at)
    return round(max(0.0, (last - practice.created_at).total_seconds()) / 60, 1)


def _crisis_moments(practice: PracticeSession, turns: list[Turn]) -> int | None:
    """Crisis moments, once the persona engine records them (a list in the state, or a flag per reading)."""
    stored = practice.persona_state.get("crisis_moments")
    if isinstance(stored, list):
        return len(stored)
    readings = [t.reading for t in turns if t.reading and "crisis" in t.reading]
    return sum(1 for reading in readings if reading.get("crisis")) if readings else None


def session_progress(
    *, db: Session, ctx: PracticeContext, practice: PracticeSession, hold_back: bool
) -> SessionProgress:
    turns = list_turns(db=db, session_id=practice.id)
    persona = ctx.catalog.personas.get(practice.persona_id)
    rubric_entry = ctx.catalog.rubrics.get(practice.rubric_id)
    rubric = rubric_entry.item if rubric_entry else None
    graded = graded_turns(db=db, turns=turns)
    tests = practice.persona_state.get("test_results")
    point = SessionProgress(
        id=practice.id,
        persona=practice.persona_id,
        persona_name=persona.item.name if persona else practice.persona_id,
        rubric=practice.rubric_id,
        mode=practice.mode,
        status=practice.status,
        started_at=practice.created_at,
        turns=sum(1 for t in turns if t.role == "trainee"),
        minutes=practice_minutes(practice, turns),
        held_back=hold_back,
    )
    if hold_back:
        return point
    return replace(
        point,
        averages=summarise(rubric=rubric, graded=graded).averages if rubric else {},
        flagged=flagged_count(rubric, graded),
        final_trust=int(practice.persona_state["trust"]) if "trust" in practice.persona_state else None,
        boundary_tests=len(tests) if isinstance(tests, dict) else None,
        boundary_tests_declined=sum(1 for h in tests.values() if h == "declined") if isinstance(tests, dict) else None,
        crisis_moments=_crisis_moments(practice, turns),
    )


def graded_dimensions(ctx: PracticeContext, rubric_ids: list[str]) -> list[tuple[str, str, str]]:
    """(key, name, kind) of the dimensions of these rubrics, the default rubric's first, each key once."""
    ordered = [ctx.settings.default_rubric, *sorted(set(rubric_ids) - {ctx.settings.default_rubric})]
    seen: dict[str, tuple[str, str, str]] = {}
    for rubric_id in ordered:
        entry = ctx.catalog.rubrics.get(rubric_id)
        for d in entry.item.dimensions if entry else []:
            seen.setdefault(d.key, (d.key, d.name, d.kind))
    return list(seen.values())


def trainee_progress(*, db: Session, ctx: PracticeContext, viewer: User, trainee_id: int) -> TraineeProgress:
    """Every session of the trainee, oldest first. Others' views go in the audit log (once a short while)."""
    trainee = viewable_trainee(db=db, viewer=viewer, trainee_id=trainee_id)
    query = select(PracticeSession).where(PracticeSession.trainee_id == trainee.id)
    sessions = db.exec(query.order_by(col(PracticeSession.created_at), col(PracticeSession.id))).all()
    own = viewer.id == trainee.id
    points = [session_progress(db=db, ctx=ctx, practice=p, hold_back=own and coaching_held_back(p)) for p in sessions]
    if not own:
        record_once(db=db, actor=viewer, event=ProgressViewed(user_id=trainee.id or 0))
        db.commit()
    return TraineeProgress(
        trainee=trainee, sessions=points, dimensions=graded_dimensions(ctx, [p.rubric_id for p in sessions])
    )
