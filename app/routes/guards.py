"""Load a practice session for a user, or answer 404/403 without saying whether it exists."""

import re
from typing import Annotated

from fastapi import HTTPException, Path, status
from sqlmodel import Session

from app.auth.access import can_read, can_review, can_write
from app.models import PracticeSession, User
from app.practice.audit_log import record_view
from app.practice.sessions import SessionNotFound, find_session

NOT_FOUND = "No such practice session."
_SESSION_ID = re.compile(r"[0-9a-f]{32}")

RecordId = Annotated[int, Path(ge=1, le=2**31 - 1, description="A record's number")]
"""A numeric id in a path: a larger number is a 422, not a database overflow (a 500)."""


def readable_session(*, db: Session, user: User, session_id: str) -> PracticeSession:
    """The session if this user may read it (404 otherwise); others' reads go in the audit log
    (once per person and session within a short window)."""
    if not _SESSION_ID.fullmatch(session_id):  # not an id we make: no query (PostgreSQL refuses NUL in one)
        raise HTTPException(status.HTTP_404_NOT_FOUND, NOT_FOUND)
    try:
        practice = find_session(db=db, session_id=session_id)
    except SessionNotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, NOT_FOUND) from exc
    if not can_read(db=db, user=user, practice=practice):
        raise HTTPException(status.HTTP_404_NOT_FOUND, NOT_FOUND)
    if practice.trainee_id != user.id:
        record_view(db=db, actor=user, target=f"session:{practice.id}")
    return practice


def writable_session(*, db: Session, user: User, session_id: str) -> PracticeSession:
    practice = readable_session(db=db, user=user, session_id=session_id)
    if not can_write(user=user, practice=practice):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "Only the trainee practising can add to this session.")
    return practice


def reviewable_session(*, db: Session, user: User, session_id: str) -> PracticeSession:
    practice = readable_session(db=db, user=user, session_id=session_id)
    if not can_review(db=db, user=user, practice=practice):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "Only a supervisor of this trainee's cohort can review.")
    return practice
