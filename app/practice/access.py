"""Opening a practice session for a user: to read, to add to, or to review. A session the user may not
read is "not found" (404), so nobody learns whether it exists; reads by others go in the audit log."""

import re

from sqlmodel import Session

from app.auth.access import can_read, can_review, can_write
from app.auth.audit import SessionViewed
from app.errors import NotAllowed, NotFound
from app.models import PracticeSession, User
from app.practice.audit_log import record_once

NOT_FOUND = "No such practice session."


class SessionNotFound(NotFound):
    pass
_SESSION_ID = re.compile(r"[0-9a-f]{32}")


def readable_session(*, db: Session, user: User, session_id: str) -> PracticeSession:
    if not _SESSION_ID.fullmatch(session_id):  # not an id we make: no query (PostgreSQL refuses NUL in one)
        raise SessionNotFound(NOT_FOUND)
    practice = db.get(PracticeSession, session_id)
    if practice is None or not can_read(db=db, user=user, practice=practice):
        raise SessionNotFound(NOT_FOUND)
    if practice.trainee_id != user.id:
        record_once(db=db, actor=user, event=SessionViewed(session_id=practice.id))
        db.commit()
    return practice


def writable_session(*, db: Session, user: User, session_id: str) -> PracticeSession:
    practice = readable_session(db=db, user=user, session_id=session_id)
    if not can_write(user=user, practice=practice):
        raise NotAllowed("Only the trainee practising can add to this session.")
    return practice


def reviewable_session(*, db: Session, user: User, session_id: str) -> PracticeSession:
    practice = readable_session(db=db, user=user, session_id=session_id)
    if not can_review(db=db, user=user, practice=practice):
        raise NotAllowed("Only a supervisor of this trainee's cohort can review.")
    return practice


