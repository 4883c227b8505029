"""One page of a long list: which page, how many a page, how many in all; and the date filter lists share."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Generic, TypeVar

from sqlalchemy import ColumnElement, func
from sqlalchemy.orm import Mapped
from sqlmodel import Session, select
from sqlmodel.sql.expression import SelectOfScalar

ItemT = TypeVar("ItemT")

PER_PAGE = 25
MAX_PER_PAGE = 200


@dataclass(frozen=True)
class PageRequest:
    page: int = 1
    per_page: int = PER_PAGE

    @property
    def offset(self) -> int:
        return (self.clamped().page - 1) * self.clamped().per_page

    def clamped(self) -> "PageRequest":
        return PageRequest(page=max(1, self.page), per_page=min(MAX_PER_PAGE, max(1, self.per_page)))


@dataclass(frozen=True)
class Page(Generic[ItemT]):
    items: list[ItemT]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def page_of(items: Sequence[ItemT], request: PageRequest) -> Page[ItemT]:
    """Slice a list already in order (filters computed in Python, e.g. from scores after review)."""
    wanted = request.clamped()
    return Page(list(items[wanted.offset : wanted.offset + wanted.per_page]), wanted.page, wanted.per_page, len(items))


def page_query(*, db: Session, query: SelectOfScalar[ItemT], request: PageRequest) -> Page[ItemT]:
    """One page of an ordered query, counted and sliced by the database."""
    wanted = request.clamped()
    total = db.exec(select(func.count()).select_from(query.order_by(None).subquery())).one()
    items = list(db.exec(query.offset(wanted.offset).limit(wanted.per_page)).all())
    return Page(items, wanted.page, wanted.per_page, int(total))


def within_dates(column: Mapped[datetime], since: date | None, until: date | None) -> list[ColumnElement[bool]]:
    """`column` on or after `since` and on or before `until` (whole UTC days), where given."""
    clauses: list[ColumnElement[bool]] = []
    if since:
        clauses.append(column >= datetime.combine(since, time.min, tzinfo=UTC))
    if until:
        clauses.append(column < datetime.combine(until + timedelta(days=1), time.min, tzinfo=UTC))
    return clauses
