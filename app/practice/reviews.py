"""Supervisors' reviews of a turn: a grade override with a reason, or a comment."""

from dataclasses import dataclass
from typing import Literal

from sqlmodel import Session, col, select

from app.content.rubrics import Rubric
from app.models import GradeRecord, Review, Turn, User


class ReviewRejected(ValueError):
    pass


@dataclass(frozen=True)
class ReviewRequest:
    kind: Literal["override", "comment"]
    text: str
    dimension: str | None = None
    level: int | None = None


def add_review(*, db: Session, rubric: Rubric, turn: Turn, author: User, request: ReviewRequest) -> Review:
    text = request.text.strip()
    if "\x00" in text:
        raise ReviewRejected("A review is plain text: it cannot contain a NUL byte.")
    if not text:
        raise ReviewRejected("Say why: a review needs a reason or a comment.")
    if len(text) > 2000:
        raise ReviewRejected("A review is at most 2,000 characters.")
    if turn.role != "trainee":
        raise ReviewRejected("Only the trainee's turns are graded and reviewed.")
    if request.kind == "override":
        if request.dimension not in rubric.keys:
            raise ReviewRejected(f"Choose a dimension of the rubric: {', '.join(rubric.keys)}.")
        if request.level is None or not 0 <= request.level <= 4:
            raise ReviewRejected("An override sets a level from 0 to 4.")
    review = Review(
        turn_id=turn.id,  # type: ignore[arg-type]
        author_id=author.id,
        author_name=author.display_name or author.username,
        kind=request.kind,
        dimension=request.dimension if request.kind == "override" else None,
        level=request.level if request.kind == "override" else None,
        text=text,
    )
    db.add(review)
    db.commit()
    db.refresh(review)
    return review


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
        if review.kind == "override" and review.dimension is not None and review.level is not None:
            scores[review.dimension] = review.level
    return scores
