"""Supervisors' reviews of a turn: a grade override with a reason, or a comment."""

from dataclasses import dataclass

from sqlmodel import Session, col, select

from app.auth.audit import GradeOverridden, TurnCommented, record
from app.content.rubrics import Rubric
from app.errors import Invalid, NotFound
from app.models import GradeRecord, Review, ReviewKind, Turn, TurnRole, User
from app.practice.access import reviewable_session
from app.practice.context import PracticeContext
from app.practice.scenario import session_content

MAX_REVIEW_CHARS = 2000


class ReviewRejected(Invalid):
    """A review that cannot be saved; the text says why, `field` which input was wrong (None: the form)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class ReviewRequest:
    kind: ReviewKind | str
    text: str
    dimension: str | None = None
    level: int | None = None


def reviews_for(*, db: Session, turn_ids: list[int]) -> dict[int, list[Review]]:
    by_turn: dict[int, list[Review]] = {}
    if turn_ids:
        query = select(Review).where(col(Review.turn_id).in_(turn_ids)).order_by(col(Review.id))
        for review in db.exec(query).all():
            by_turn.setdefault(review.turn_id, []).append(review)
    return by_turn


def effective_scores(grade: GradeRecord, reviews: list[Review]) -> dict[str, int]:
    """The grade as it stands after supervisors' overrides (the latest override of a dimension wins)."""
    scores = dict(grade.scores)
    for review in reviews:
        if review.kind == ReviewKind.OVERRIDE and review.dimension is not None and review.level is not None:
            scores[review.dimension] = review.level
    return scores


def scores_now(*, db: Session, turn: Turn) -> dict[str, int] | None:
    """The turn's scores after the reviews so far (None when it has no grade)."""
    grade = db.exec(select(GradeRecord).where(GradeRecord.turn_id == turn.id)).first()
    return effective_scores(grade, reviews_for(db=db, turn_ids=[turn.id or 0]).get(turn.id or 0, [])) if grade else None


def _checked(request: ReviewRequest, rubric: Rubric, turn: Turn, scores: dict[str, int] | None) -> ReviewKind:
    if request.kind not in tuple(ReviewKind):
        raise ReviewRejected("Choose whether to change a score or add a comment.")
    text = request.text.strip()
    if "\x00" in text:
        raise ReviewRejected("A review is plain text: it cannot contain a NUL byte.", field="text")
    if not text:
        raise ReviewRejected("Say why: a review needs a reason or a comment.", field="text")
    if len(text) > MAX_REVIEW_CHARS:
        raise ReviewRejected(f"A review is at most {MAX_REVIEW_CHARS:,} characters.", field="text")
    if turn.role != TurnRole.TRAINEE:
        raise ReviewRejected("Only the trainee's turns are graded and reviewed.")
    kind = ReviewKind(request.kind)
    if kind == ReviewKind.OVERRIDE:
        if request.dimension not in rubric.keys:
            raise ReviewRejected(f"Choose a dimension of the rubric: {', '.join(rubric.keys)}.", field="dimension")
        if request.level is None or not 0 <= request.level <= 4:
            raise ReviewRejected("An override sets a level from 0 to 4.", field="level")
        if scores is not None and scores.get(request.dimension) == request.level:
            name = rubric.dimension(request.dimension).name
            raise ReviewRejected(
                f"{name} is {request.level} already; choose another level, or add a comment instead.", field="level"
            )
    return kind


def review_turn(
    *, db: Session, ctx: PracticeContext, reviewer: User, session_id: str, turn_id: int, request: ReviewRequest
) -> Review:
    """A supervisor of the trainee's cohort (or staff) overrides a grade with a reason, or comments."""
    practice = reviewable_session(db=db, user=reviewer, session_id=session_id)
    turn = db.get(Turn, turn_id)
    if turn is None or turn.session_id != practice.id:
        raise NotFound("No such turn in this session.")
    _, rubric = session_content(db=db, ctx=ctx, practice=practice)
    kind = _checked(request, rubric, turn, scores_now(db=db, turn=turn))
    override = kind == ReviewKind.OVERRIDE
    review = Review(
        turn_id=turn_id,
        author_id=reviewer.id,
        author_name=reviewer.display_name or reviewer.username,
        kind=kind,
        dimension=request.dimension if override else None,
        level=request.level if override else None,
        text=request.text.strip(),
    )
    db.add(review)
    event = GradeOverridden if override else TurnCommented
    record(
        db=db,
        actor=reviewer,
        event=event(turn_id=turn_id, session=practice.id, dimension=review.dimension, level=review.level),
    )
    db.commit()
    db.refresh(review)
    return review
