"""The review queue: the sessions a supervisor may review, filtered (trainee, persona, mode, date, flagged,
reviewed or not), sorted and paged, each with its scores after review and whether it was reviewed."""

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

from sqlalchemy import ColumnElement
from sqlmodel import Session, col, select

from app.auth.access import visible_sessions_clause
from app.models import GradeRecord, PracticeSession, Review, ReviewReceipt, Turn, User, utcnow
from app.practice.context import PracticeContext
from app.practice.paging import Page, PageRequest, page_of, within_dates
from app.practice.progress import FLAG_LEVEL
from app.practice.reviews import effective_scores

SortKey = Literal["newest", "oldest", "trainee", "flagged"]
SORT_KEYS: tuple[str, ...] = ("newest", "oldest", "trainee", "flagged")


@dataclass(frozen=True)
class QueueFilter:
    trainee_id: int | None = None
    persona: str | None = None
    mode: str | None = None
    since: date | None = None
    until: date | None = None
    flagged: bool | None = None
    reviewed: bool | None = None
    sort: SortKey = "newest"


@dataclass(frozen=True)
class QueueRow:
    """One session in the queue."""

    practice: PracticeSession
    persona_name: str
    replies: int
    flagged: int
    averages: dict[str, float]
    reviews: int
    last_review_at: datetime | None = None
    new_review: bool = False
    """For the trainee: a review came after they last opened the session."""

    @property
    def reviewed(self) -> bool:
        return self.reviews > 0


@dataclass
class _Tally:
    scores: list[dict[str, int]] = field(default_factory=list)
    replies: int = 0
    reviews: int = 0
    last_review_at: datetime | None = None


def _tallies(db: Session, session_ids: list[str]) -> dict[str, _Tally]:
    """Replies, scores after review and reviews of each session, in three queries."""
    tallies = {sid: _Tally() for sid in session_ids}
    turns = db.exec(select(Turn).where(col(Turn.session_id).in_(session_ids), Turn.role == "trainee")).all()
    session_of = {t.id: t.session_id for t in turns}
    grades = db.exec(select(GradeRecord).where(col(GradeRecord.turn_id).in_(list(session_of)))).all()
    reviews: dict[int, list[Review]] = {}
    for review in db.exec(select(Review).where(col(Review.turn_id).in_(list(session_of))).order_by(col(Review.id))):
        reviews.setdefault(review.turn_id, []).append(review)
        tally = tallies[session_of[review.turn_id]]
        tally.reviews += 1
        tally.last_review_at = max(filter(None, (tally.last_review_at, review.created_at)))
    for turn in turns:
        tallies[turn.session_id].replies += 1
    for grade in grades:
        tallies[session_of[grade.turn_id]].scores.append(effective_scores(grade, reviews.get(grade.turn_id, [])))
    return tallies


def _receipts(db: Session, user: User, session_ids: list[str]) -> dict[str, datetime]:
    query = select(ReviewReceipt).where(
        ReviewReceipt.user_id == user.id, col(ReviewReceipt.session_id).in_(session_ids)
    )
    return {r.session_id: r.seen_at for r in db.exec(query).all()}


def _aware(moment: datetime | None) -> datetime | None:
    """SQLite gives naive UTC datetimes back, PostgreSQL aware ones: compare them alike."""
    return moment.replace(tzinfo=None) if moment else None


def queue_rows(*, db: Session, ctx: PracticeContext, user: User, sessions: list[PracticeSession]) -> list[QueueRow]:
    tallies = _tallies(db, [s.id for s in sessions])
    receipts = _receipts(db, user, [s.id for s in sessions])
    rows = []
    for practice in sessions:
        tally, persona = tallies[practice.id], ctx.catalog.personas.get(practice.persona_id)
        rubric = ctx.catalog.rubrics.get(practice.rubric_id)
        keys = [(d.key, d.kind) for d in rubric.item.dimensions] if rubric else []
        seen = _aware(receipts.get(practice.id))
        rows.append(
            QueueRow(
                practice=practice,
                persona_name=persona.item.name if persona else practice.persona_id,
                replies=tally.replies,
                flagged=sum(
                    1 for s in tally.scores if any(s.get(k, 0) >= FLAG_LEVEL for k, kind in keys if kind == "risk")
                ),
                averages={k: round(sum(s.get(k, 0) for s in tally.scores) / len(tally.scores), 2) for k, _ in keys}
                if tally.scores
                else {},
                reviews=tally.reviews,
                last_review_at=tally.last_review_at,
                new_review=practice.trainee_id == user.id
                and tally.last_review_at is not None
                and (seen is None or _aware(tally.last_review_at) > seen),  # type: ignore[operator]
            )
        )
    return rows


def _where(query_filter: QueueFilter) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = []
    if query_filter.trainee_id is not None:
        clauses.append(col(PracticeSession.trainee_id) == query_filter.trainee_id)
    if query_filter.persona:
        clauses.append(col(PracticeSession.persona_id) == query_filter.persona)
    if query_filter.mode:
        clauses.append(col(PracticeSession.mode) == query_filter.mode)
    clauses += within_dates(col(PracticeSession.created_at), query_filter.since, query_filter.until)
    return clauses


def _sorted(rows: list[QueueRow], sort: SortKey) -> list[QueueRow]:
    if sort == "oldest":
        return sorted(rows, key=lambda r: (r.practice.created_at, r.practice.id))
    if sort == "trainee":
        return sorted(rows, key=lambda r: (r.practice.trainee_name.casefold(), r.practice.created_at))
    if sort == "flagged":
        return sorted(rows, key=lambda r: (-r.flagged, r.practice.created_at))
    return sorted(rows, key=lambda r: (r.practice.created_at, r.practice.id), reverse=True)


def review_queue(
    *, db: Session, ctx: PracticeContext, viewer: User, query_filter: QueueFilter, paging: PageRequest
) -> Page[QueueRow]:
    """The sessions `viewer` may read (own, their cohorts', or all for staff) that pass the filter."""
    query = select(PracticeSession).where(visible_sessions_clause(db=db, user=viewer), *_where(query_filter))
    rows = queue_rows(db=db, ctx=ctx, user=viewer, sessions=list(db.exec(query).all()))
    if query_filter.flagged is not None:
        rows = [r for r in rows if (r.flagged > 0) == query_filter.flagged]
    if query_filter.reviewed is not None:
        rows = [r for r in rows if r.reviewed == query_filter.reviewed]
    return page_of(_sorted(rows, query_filter.sort), paging)


def mark_reviews_seen(*, db: Session, viewer: User, practice: PracticeSession) -> None:
    """The trainee opened their session: its reviews so far are no longer new to them."""
    if practice.trainee_id != viewer.id or viewer.id is None:
        return
    receipt = db.get(ReviewReceipt, (practice.id, viewer.id)) or ReviewReceipt(
        session_id=practice.id, user_id=viewer.id
    )
    receipt.seen_at = utcnow()
    db.add(receipt)
    db.commit()
