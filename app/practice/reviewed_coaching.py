"""Coaching that stays true after a supervisor's review: an override is said beside the grade, and a
coaching point the reviewed level no longer supports is taken out (or carries the reviewed level)."""

from dataclasses import dataclass
from functools import cache
from typing import Any

import jinja2

from app.config import PROJECT_ROOT
from app.grading.base import Coaching
from app.models import Review
from app.practice.progress import FLAG_LEVEL


@dataclass(frozen=True)
class Override:
    dimension: str
    graded: int
    reviewed: int
    reason: str
    author: str


def overrides_of(graded: dict[str, int], reviews: list[Review]) -> list[Override]:
    """The latest override of each dimension that changed the grader's level, in the order made."""
    latest: dict[str, Review] = {}
    for review in reviews:
        if review.kind == "override" and review.dimension is not None and review.level is not None:
            latest.pop(review.dimension, None)
            latest[review.dimension] = review
    return [
        Override(key, graded.get(key, 0), r.level or 0, r.text, r.author_name)
        for key, r in latest.items()
        if r.level != graded.get(key, 0)
    ]


@cache
def _wording() -> Any:
    env = jinja2.Environment(  # plain text: escaped where it is shown
        loader=jinja2.FileSystemLoader(PROJECT_ROOT / "prompts" / "coaching"),
        autoescape=False,
        undefined=jinja2.StrictUndefined,
    )
    return env.get_template("reviewed.jinja").module


def reviewed_coaching(coaching: Coaching, overrides: list[Override], names: dict[str, str]) -> Coaching:
    """The coaching as the review leaves it: a point stays only where the reviewed level is on the same
    side of the flag line as the grader's, and then names the reviewed level; the summary says what the
    supervisor changed, in place of the grader's, which spoke of the levels before review."""
    if not overrides:
        return coaching
    changes = [
        {"name": names.get(o.dimension, o.dimension.replace("_", " ").capitalize()), **o.__dict__} for o in overrides
    ]
    summary = str(_wording().summary(changes)).strip()
    changed = {o.dimension: o.reviewed for o in overrides}
    points = [
        p.model_copy(update={"level": changed.get(p.dimension, p.level)})
        for p in coaching.points
        if p.dimension not in changed or (changed[p.dimension] >= FLAG_LEVEL) == (p.level >= FLAG_LEVEL)
    ]
    return coaching.model_copy(update={"points": points, "summary": summary})
