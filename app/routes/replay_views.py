"""The supervisor's replay, shaped for the page: each turn with its grade, its reviews, the scores after
review and the peer's state after it; and the review form a reviewer filled in, kept when refused."""

from dataclasses import dataclass, field, replace
from typing import Any

from sqlmodel import Session

from app.auth.access import can_review
from app.content.personas import HiddenFact, Persona
from app.content.rubrics import Rubric
from app.models import GradeRecord, PracticeSession, Review, ReviewKind, User
from app.practice.context import PracticeContext
from app.practice.reviews import MAX_REVIEW_CHARS, ReviewRejected, ReviewRequest, reviews_for
from app.practice.scenario import session_content
from app.practice.sessions import list_turns
from app.practice.summary import GradedTurn, graded_turns
from app.routes.presenters import review_public, state_public, turn_public
from app.routes.schemas import PersonaStatePublic, ReviewPublic, TurnPublic
from app.routes.views import revealed_facts


def anchor_headline(anchor: str) -> str:
    """The short name of a level anchor: "Clear pressure" from "Clear pressure: "you need to", …"."""
    head = anchor.split(":", 1)[0].strip()
    return head if len(head) <= 40 else head[:39].rstrip() + "…"


def level_labels(rubric: Rubric) -> dict[str, list[tuple[str, str]]]:
    """For each dimension, (short name, full anchor) of levels 0-4: the level picker's option texts."""
    return {d.key: [(anchor_headline(d.anchors[n]), d.anchors[n]) for n in range(5)] for d in rubric.dimensions}


def turn_anchor(position: int) -> str:
    """The id of a turn on the replay page (turns count from 1 there, positions from 0)."""
    return f"t{position + 1}"


@dataclass(frozen=True)
class ReviewNote:
    """A review as the replay shows it; an override also says what it changed ("Empathy 1 → 2")."""

    review: ReviewPublic
    dimension_name: str | None = None
    before: int | None = None


def review_notes(rubric: Rubric, grade: GradeRecord | None, reviews: list[Review]) -> list[ReviewNote]:
    names = {d.key: d.name for d in rubric.dimensions}
    scores = dict(grade.scores) if grade else {}
    notes = []
    for review in reviews:
        if review.kind == ReviewKind.OVERRIDE and review.dimension is not None and review.level is not None:
            name = names.get(review.dimension, review.dimension)
            notes.append(ReviewNote(review_public(review), name, scores.get(review.dimension)))
            scores[review.dimension] = review.level
        else:
            notes.append(ReviewNote(review_public(review)))
    return notes


@dataclass(frozen=True)
class ReplayStep:
    """One turn: the words, the grade, its reviews, and the peer's state after it."""

    turn: TurnPublic
    anchor: str
    state: PersonaStatePublic | None
    facts: list[HiddenFact]
    new_facts: list[str]
    reading: dict[str, Any] | None
    notes: list[ReviewNote] = field(default_factory=list)
    graded_as: dict[str, int] = field(default_factory=dict)
    """The original level of each dimension an override changed."""

    @property
    def reviewable(self) -> bool:
        return self.turn.role == "trainee" and self.turn.grade is not None


def replay_step(persona: Persona, rubric: Rubric, graded: GradedTurn, reviews: list[Review]) -> ReplayStep:
    turn, grade = graded.turn, graded.grade
    state = state_public(turn.persona_state) if turn.role == "peer" and turn.persona_state else None
    reading = turn.reading if turn.role == "peer" else None
    public = turn_public(turn, grade, reviews)
    original = grade.scores if grade else {}
    return ReplayStep(
        turn=public,
        anchor=turn_anchor(turn.position),
        state=state,
        facts=revealed_facts(persona, state.revealed) if state else [],
        new_facts=list(reading.get("revealed_now", [])) if reading else [],
        reading=reading,
        notes=review_notes(rubric, grade, reviews),
        graded_as={k: original.get(k, 0) for k, v in (public.scores or {}).items() if v != original.get(k, 0)},
    )


@dataclass(frozen=True)
class ReviewForm:
    """What a reviewer sent, kept when it is refused so they can put it right."""

    turn_id: int
    kind: str = "override"
    dimension: str = ""
    level: str = ""
    text: str = ""
    error: str | None = None
    field: str | None = None
    """The input the error belongs beside: text, dimension or level (None: the form as a whole)."""

    def request(self) -> ReviewRequest:
        level = int(self.level) if self.level.strip().isdigit() else None
        return ReviewRequest(kind=self.kind, text=self.text, dimension=self.dimension or None, level=level)

    def refused(self, error: ReviewRejected) -> "ReviewForm":
        return replace(self, error=error.message, field=error.field)


def replay_context(
    *, db: Session, ctx: PracticeContext, practice: PracticeSession, user: User, form: ReviewForm | None = None
) -> dict[str, Any]:
    persona, rubric = session_content(db=db, ctx=ctx, practice=practice)
    graded = graded_turns(db=db, turns=list_turns(db=db, session_id=practice.id))
    reviews = reviews_for(db=db, turn_ids=[g.turn.id for g in graded if g.turn.id is not None])
    steps = [replay_step(persona, rubric, g, reviews.get(g.turn.id or 0, [])) for g in graded]
    may_review = can_review(db=db, user=user, practice=practice)
    return {
        "section": "supervisor",
        "practice": practice,
        "persona": persona,
        "rubric": rubric,
        "steps": steps,
        "graders": sorted({g.grade.grader for g in graded if g.grade is not None}),
        "can_review": may_review,
        "with_reviews": may_review or any(step.notes for step in steps),
        "review_form": form,
        "level_labels": level_labels(rubric),
        "max_review_chars": MAX_REVIEW_CHARS,
    }
