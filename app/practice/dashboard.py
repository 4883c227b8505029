"""A cohort at a glance: one row per trainee with sessions, last activity, the trend of each dimension
(scores after review, per session, oldest first) and the sessions still awaiting review."""

from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session

from app.models import Cohort, User
from app.practice.context import PracticeContext
from app.practice.oversight import cohort_sessions, cohort_trainees, viewable_cohort
from app.practice.progress import graded_dimensions
from app.practice.review_queue import QueueRow, queue_rows

TREND_WINDOW = 3
"""The trend compares the mean of the last sessions with the mean of the first ones, this many each."""


@dataclass(frozen=True)
class Trend:
    values: list[float]
    """The session averages, oldest first."""

    @property
    def change(self) -> float | None:
        if len(self.values) < 2:
            return None
        window = min(TREND_WINDOW, len(self.values) // 2)
        first, last = self.values[:window], self.values[-window:]
        return round(sum(last) / len(last) - sum(first) / len(first), 2)


@dataclass(frozen=True)
class TraineeRow:
    trainee: User
    sessions: int
    last_activity: datetime | None
    awaiting_review: int
    flagged: int
    trends: dict[str, Trend] = field(default_factory=dict)


@dataclass(frozen=True)
class CohortDashboard:
    cohort: Cohort
    rows: list[TraineeRow]
    dimensions: list[tuple[str, str, str]]

    @property
    def awaiting_review(self) -> int:
        return sum(row.awaiting_review for row in self.rows)


def awaits_review(row: QueueRow) -> bool:
    """A session with replies, ended, that no supervisor has reviewed yet."""
    return row.replies > 0 and row.practice.status == "ended" and not row.reviewed


def _trainee_row(trainee: User, rows: list[QueueRow], keys: list[str]) -> TraineeRow:
    mine = [r for r in rows if r.practice.trainee_id == trainee.id]
    graded = [r for r in mine if r.averages]
    return TraineeRow(
        trainee=trainee,
        sessions=len(mine),
        last_activity=max((r.practice.ended_at or r.practice.created_at for r in mine), default=None),
        awaiting_review=sum(1 for r in mine if awaits_review(r)),
        flagged=sum(r.flagged for r in mine),
        trends={k: Trend([r.averages[k] for r in graded if k in r.averages]) for k in keys},
    )


def cohort_dashboard(*, db: Session, ctx: PracticeContext, viewer: User, cohort_id: int) -> CohortDashboard:
    cohort = viewable_cohort(db=db, viewer=viewer, cohort_id=cohort_id)
    sessions = cohort_sessions(db=db, cohort=cohort)
    rows = queue_rows(db=db, ctx=ctx, user=viewer, sessions=sessions)
    dimensions = graded_dimensions(ctx, [s.rubric_id for s in sessions])
    keys = [key for key, _, _ in dimensions]
    trainees = cohort_trainees(db=db, cohort=cohort)
    return CohortDashboard(cohort, [_trainee_row(t, rows, keys) for t in trainees], dimensions)
