"""The audit log as staff read it: filtered (who, action, date) and paged; and views recorded once per
short window, so a supervisor reading a session for ten minutes leaves one line, not forty."""

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import ColumnElement
from sqlmodel import Session, col, select

from app.auth.audit import Event, record
from app.errors import NotFound
from app.models import AuditEvent, User, utcnow
from app.practice.paging import Page, PageRequest, page_query, within_dates

VIEW_WINDOW = timedelta(minutes=10)
"""Repeated views of the same thing by the same person within this window are recorded once."""


def record_once(*, db: Session, actor: User, event: Event) -> None:
    """Add `event` to the caller's transaction, unless the same person recorded the same action on the same
    target within VIEW_WINDOW (a supervisor reading a session for ten minutes leaves one line)."""
    since = utcnow() - VIEW_WINDOW
    recent = select(AuditEvent.id).where(
        AuditEvent.actor_id == actor.id,
        AuditEvent.action == event.action,
        AuditEvent.target == event.target,
        col(AuditEvent.created_at) >= since,
    )
    if db.exec(recent.limit(1)).first() is None:
        record(db=db, actor=actor, event=event)


@dataclass(frozen=True)
class AuditFilter:
    actor: str | None = None
    """A username, matched exactly (the name is kept when the account is deleted)."""
    action: str | None = None
    since: date | None = None
    until: date | None = None


def _where(audit_filter: AuditFilter) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = []
    if audit_filter.actor:
        clauses.append(col(AuditEvent.actor_name) == audit_filter.actor.strip())
    if audit_filter.action:
        clauses.append(col(AuditEvent.action) == audit_filter.action.strip())
    clauses += within_dates(col(AuditEvent.created_at), audit_filter.since, audit_filter.until)
    return clauses


def audit_page(*, db: Session, viewer: User, audit_filter: AuditFilter, paging: PageRequest) -> Page[AuditEvent]:
    """Newest first. Staff only; to anyone else the log does not exist."""
    if viewer.role != "staff":
        raise NotFound("No such page.")
    query = select(AuditEvent).where(*_where(audit_filter)).order_by(col(AuditEvent.id).desc())
    return page_query(db=db, query=query, request=paging)


def audit_actions(*, db: Session) -> list[str]:
    """The actions the log holds, for the filter's choices."""
    return sorted(db.exec(select(AuditEvent.action).distinct()).all())
