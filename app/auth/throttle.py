"""Slowing down password guessing: failed sign-ins are counted in the database, per username and per
network address, so every worker agrees; past the limit, sign-ins wait until the window moves on."""

import math
from datetime import datetime, timedelta

from sqlmodel import Session, col, delete, select

from app.config import Settings
from app.errors import TooMany
from app.models import SignInFailure, as_utc, utcnow


def account_key(username: str) -> str:
    """How a typed username is counted and logged: printable characters only (PostgreSQL refuses NUL),
    case folded, so `Dana` and `dana ` share one count."""
    return "".join(ch for ch in username if ch.isprintable()).strip().lower()[:80]


def _free_at(db: Session, column: object, value: str, limit: int, window: timedelta) -> datetime | None:
    """When the oldest failure that keeps this key at its limit leaves the window; None if under the limit."""
    since = utcnow() - window
    query = (
        select(SignInFailure.created_at)
        .where(column == value, col(SignInFailure.created_at) > since)
        .order_by(col(SignInFailure.created_at).desc())
        .limit(limit)
    )
    recent = db.exec(query).all()
    if len(recent) < limit:
        return None
    return as_utc(recent[-1]) + window


def check_allowed(*, db: Session, settings: Settings, username: str, address: str) -> None:
    """Raise TooMany when this username or this address has failed too often lately."""
    window = timedelta(seconds=settings.sign_in_window_s)
    limits = (
        (col(SignInFailure.username), account_key(username), settings.sign_in_failures_per_account),
        (col(SignInFailure.address), address[:64], settings.sign_in_failures_per_address),
    )
    waits = [_free_at(db, column, value, limit, window) for column, value, limit in limits]
    until = max((moment for moment in waits if moment is not None), default=None)
    if until is None:
        return
    seconds = max(1, math.ceil((until - utcnow()).total_seconds()))
    minutes = math.ceil(seconds / 60)
    raise TooMany(
        f"Too many failed sign-ins. Try again in {minutes} minute{'' if minutes == 1 else 's'} "
        f"(after {until:%H:%M} UTC), or ask program staff for a reset code.",
        retry_after_s=seconds,
    )


def record_failure(*, db: Session, settings: Settings, username: str, address: str) -> None:
    now = utcnow()
    db.add(SignInFailure(username=account_key(username), address=address[:64], created_at=now))
    stale = now - timedelta(seconds=settings.sign_in_window_s)
    db.exec(delete(SignInFailure).where(col(SignInFailure.created_at) <= stale))
    db.commit()


def forget_failures(*, db: Session, username: str) -> None:
    """A successful sign-in clears the account's count (the address keeps its own)."""
    db.exec(delete(SignInFailure).where(col(SignInFailure.username) == account_key(username)))
    db.commit()
