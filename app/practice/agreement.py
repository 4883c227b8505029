"""How often the program's supervisors agree with the grader, and with each other.

Two sources of a supervisor's levels for a reply:
- a review: a supervisor who overrode or commented on a reply read its whole grade, so each dimension
  they did not override counts as agreeing with the grader, and each override as their level;
- a blind grade: a supervisor graded the reply without seeing the grader's scores.
When two supervisors blind-grade the same reply, their levels are compared with each other too.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import combinations

from sklearn.metrics import cohen_kappa_score
from sqlmodel import Session, col, select

from app.models import BlindGrade, GradeRecord, Review, Turn, User
from app.practice.context import PracticeContext
from app.practice.oversight import cohort_sessions, viewable_cohort
from app.practice.progress import FLAG_LEVEL, graded_dimensions
from app.practice.reviews import effective_scores

LEVELS = [0, 1, 2, 3, 4]
LevelPair = tuple[int, int]


@dataclass(frozen=True)
class DimensionAgreement:
    """Agreement on one dimension between two raters, over `n` replies both graded."""

    n: int
    exact: float | None
    flag_agreement: float | None
    kappa: float | None
    """Cohen's kappa; None when it cannot be computed (no replies, or both raters used one same level)."""
    confusion: list[list[int]] = field(default_factory=list)
    """confusion[a][b]: replies the first rater put at level a and the second at level b."""


def _kappa(pairs: list[LevelPair]) -> float | None:
    first, second = [a for a, _ in pairs], [b for _, b in pairs]
    n = len(pairs)
    chance = sum((first.count(level) / n) * (second.count(level) / n) for level in LEVELS) if n else 1.0
    if chance >= 1.0:
        return None
    return round(float(cohen_kappa_score(first, second, labels=LEVELS)), 3)


def agreement_of(pairs: list[LevelPair]) -> DimensionAgreement:
    confusion = [[0] * len(LEVELS) for _ in LEVELS]
    for a, b in pairs:
        confusion[a][b] += 1
    if not pairs:
        return DimensionAgreement(n=0, exact=None, flag_agreement=None, kappa=None, confusion=confusion)
    n = len(pairs)
    return DimensionAgreement(
        n=n,
        exact=round(sum(1 for a, b in pairs if a == b) / n, 3),
        flag_agreement=round(sum(1 for a, b in pairs if (a >= FLAG_LEVEL) == (b >= FLAG_LEVEL)) / n, 3),
        kappa=_kappa(pairs),
        confusion=confusion,
    )


@dataclass(frozen=True)
class AgreementReport:
    dimensions: dict[str, DimensionAgreement]
    """The grader against supervisors, per dimension key."""
    between_supervisors: dict[str, DimensionAgreement]
    names: dict[str, str]
    reviewed_replies: int
    blind_grades: int


@dataclass
class _Pairs:
    grader: dict[str, list[LevelPair]] = field(default_factory=dict)
    supervisors: dict[str, list[LevelPair]] = field(default_factory=dict)

    def add(self, into: dict[str, list[LevelPair]], first: dict[str, int], second: dict[str, int]) -> None:
        for key in first.keys() & second.keys():
            into.setdefault(key, []).append((_level(first[key]), _level(second[key])))


def _level(value: int) -> int:
    return min(4, max(0, int(value)))


def _reviewed(db: Session, grades: dict[int, GradeRecord]) -> dict[int, list[Review]]:
    by_turn: dict[int, list[Review]] = {}
    query = select(Review).where(col(Review.turn_id).in_(list(grades))).order_by(col(Review.id))
    for review in db.exec(query).all():
        by_turn.setdefault(review.turn_id, []).append(review)
    return by_turn


def _blind(db: Session, turn_ids: Iterable[int]) -> dict[int, list[BlindGrade]]:
    by_turn: dict[int, list[BlindGrade]] = {}
    query = select(BlindGrade).where(col(BlindGrade.turn_id).in_(list(turn_ids))).order_by(col(BlindGrade.id))
    for blind in db.exec(query).all():
        by_turn.setdefault(blind.turn_id, []).append(blind)
    return by_turn


def grades_of_sessions(*, db: Session, session_ids: list[str]) -> dict[int, GradeRecord]:
    """The grades of these sessions' trainee turns, by turn id."""
    turns = select(Turn.id).where(col(Turn.session_id).in_(session_ids), Turn.role == "trainee")
    return {g.turn_id: g for g in db.exec(select(GradeRecord).where(col(GradeRecord.turn_id).in_(turns))).all()}


def measure_agreement(*, db: Session, grades: dict[int, GradeRecord]) -> tuple[_Pairs, int, int]:
    pairs = _Pairs()
    reviews = _reviewed(db, grades)
    for turn_id, turn_reviews in reviews.items():
        pairs.add(pairs.grader, grades[turn_id].scores, effective_scores(grades[turn_id], turn_reviews))
    blind = _blind(db, grades)
    for turn_id, blind_grades in blind.items():
        for one in blind_grades:
            pairs.add(pairs.grader, grades[turn_id].scores, one.scores)
        for first, second in combinations(blind_grades, 2):
            pairs.add(pairs.supervisors, first.scores, second.scores)
    return pairs, len(reviews), sum(len(b) for b in blind.values())


def cohort_agreement(*, db: Session, ctx: PracticeContext, viewer: User, cohort_id: int) -> AgreementReport:
    """The grader against the cohort's supervisors, per dimension of the rubrics the cohort practised."""
    cohort = viewable_cohort(db=db, viewer=viewer, cohort_id=cohort_id)
    sessions = cohort_sessions(db=db, cohort=cohort)
    dimensions = graded_dimensions(ctx, [s.rubric_id for s in sessions])
    keys = [key for key, _, _ in dimensions]
    grades = grades_of_sessions(db=db, session_ids=[s.id for s in sessions])
    pairs, reviewed, blind = measure_agreement(db=db, grades=grades)
    return AgreementReport(
        dimensions={key: agreement_of(pairs.grader.get(key, [])) for key in keys},
        between_supervisors={key: agreement_of(pairs.supervisors.get(key, [])) for key in keys},
        names={key: name for key, name, _ in dimensions},
        reviewed_replies=reviewed,
        blind_grades=blind,
    )
