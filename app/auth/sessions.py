"""Server-side sign-in sessions: starsessions handles the cookie (a random id, nothing else); the rows live
in the database, so every worker agrees and deleting a row ends that sign-in at once."""

import hashlib
import json
import threading
from collections import OrderedDict
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session, col, delete, select
from starlette.concurrency import run_in_threadpool
from starsessions import SessionStore

from app.auth.audit import SignedOutEverywhere, SignInEnded, record
from app.models import AuthSession, User, as_utc, utcnow

session_user: ContextVar[User | None] = ContextVar("session_user", default=None)
"""The user of the request's sign-in session, read with it (so a request reads them in one query)."""

# How often a session's "last seen" is written back while nothing else in it changes.
LAST_SEEN_EVERY = timedelta(minutes=1)
REMEMBERED_SESSIONS = 10_000
USER_KEY = "uid"
METADATA_KEY = "__metadata__"  # starsessions' own entry in the data


def session_key_hash(session_id: str) -> str:
    """Only the hash of the cookie's id is stored: a copy of the table signs nobody in."""
    return hashlib.sha256(session_id.encode()).hexdigest()


class DatabaseSessionStore(SessionStore):
    """A starsessions store on the app's database. It never creates a row: `open_session` does that when
    someone signs in, so a request that was running while its session was ended cannot bring it back.

    What each read found is remembered, so a request that changed nothing and comes within
    `LAST_SEEN_EVERY` of the last write skips the write without touching the database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._seen: OrderedDict[str, tuple[str, datetime]] = OrderedDict()
        self._seen_lock = threading.Lock()  # reads and writes run in worker threads

    async def read(self, session_id: str, lifetime: int) -> bytes:
        data, user = await run_in_threadpool(self._read, session_id)
        session_user.set(user)  # the request's task reads it back in `get_current_user`
        return data

    async def write(self, session_id: str, data: bytes, lifetime: int, ttl: int) -> str:
        await run_in_threadpool(self._write, session_id, data.decode())
        return session_id

    async def remove(self, session_id: str) -> None:
        await run_in_threadpool(self._remove, session_id)

    def _read(self, session_id: str) -> tuple[bytes, User | None]:
        """The session's data and its user, in one query."""
        with Session(self.engine, expire_on_commit=False) as db:
            query = (
                select(AuthSession, User)
                .join(User, col(User.id) == col(AuthSession.user_id))
                .where(AuthSession.key_hash == session_key_hash(session_id))
            )
            found = db.exec(query).first()
            if found is None or as_utc(found[0].expires_at) <= utcnow():
                return b"", None
            row, user = found
            self._remember(row.key_hash, row.data, as_utc(row.last_seen_at))
            data = json.loads(row.data)
            data[USER_KEY] = row.user_id  # who is signed in comes from the row, never from the data
            return json.dumps(data).encode(), user

    def _write(self, session_id: str, data: str) -> None:
        key_hash, now, data = session_key_hash(session_id), utcnow(), _without_last_access(data)
        with self._seen_lock:
            seen = self._seen.get(key_hash)
        if _unchanged(seen, data, now):
            return
        with Session(self.engine) as db:
            row = db.get(AuthSession, key_hash)
            if row is None:
                return
            if _unchanged((row.data, as_utc(row.last_seen_at)), data, now):
                return
            row.data, row.last_seen_at = data, now
            db.add(row)
            db.commit()
        self._remember(key_hash, data, now)

    def _remember(self, key_hash: str, data: str, last_seen: datetime) -> None:
        with self._seen_lock:
            self._seen[key_hash] = (data, last_seen)
            self._seen.move_to_end(key_hash)
            if len(self._seen) > REMEMBERED_SESSIONS:
                self._seen.popitem(last=False)

    def _remove(self, session_id: str) -> None:
        with self._seen_lock:
            self._seen.pop(session_key_hash(session_id), None)
        with Session(self.engine) as db:
            revoke_session(db=db, key_hash=session_key_hash(session_id))


def _without_last_access(data: str) -> str:
    """The session's data without starsessions' per-request access time (`last_seen_at` keeps that), so a
    request that changed nothing writes nothing."""
    parsed = json.loads(data)
    metadata = parsed.get(METADATA_KEY)
    if isinstance(metadata, dict):
        metadata.pop("last_access", None)
    return json.dumps(parsed)


def _unchanged(stored: tuple[str, datetime] | None, data: str, now: datetime) -> bool:
    """The stored data is the same and was seen lately enough: nothing to write."""
    return stored is not None and stored[0] == data and now - stored[1] < LAST_SEEN_EVERY


def open_session(*, db: Session, user_id: int, session_id: str, user_agent: str, max_age_s: int) -> None:
    now = utcnow()
    db.add(
        AuthSession(
            key_hash=session_key_hash(session_id),
            user_id=user_id,
            data=json.dumps({USER_KEY: user_id}),
            user_agent=user_agent[:300],
            created_at=now,
            last_seen_at=now,
            expires_at=now + timedelta(seconds=max_age_s),
        )
    )
    db.exec(delete(AuthSession).where(col(AuthSession.expires_at) <= now))
    db.commit()


def signed_in_at(*, db: Session, session_id: str | None) -> datetime | None:
    """When this browser's sign-in happened (a password change counts), or None if it has none."""
    row = db.get(AuthSession, session_key_hash(session_id)) if session_id else None
    return as_utc(row.created_at) if row else None


def revoke_session(*, db: Session, key_hash: str, user_id: int | None = None) -> bool:
    """End one sign-in (only if it is `user_id`'s, when given). True when there was one to end."""
    query = delete(AuthSession).where(col(AuthSession.key_hash) == key_hash)
    if user_id is not None:
        query = query.where(col(AuthSession.user_id) == user_id)
    ended = db.exec(query).rowcount > 0
    db.commit()
    return ended


def revoke_all_sessions(*, db: Session, user_id: int) -> int:
    """End every sign-in of a user (sign out everywhere, a new password, the account deleted)."""
    ended = db.exec(delete(AuthSession).where(col(AuthSession.user_id) == user_id)).rowcount
    db.commit()
    return int(ended)


@dataclass(frozen=True)
class ActiveSession:
    """A sign-in as its owner sees it; `handle` names it without giving away anything that signs in."""

    handle: str
    user_agent: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    current: bool


def active_sessions(*, db: Session, user_id: int, current_session_id: str | None) -> list[ActiveSession]:
    current = session_key_hash(current_session_id) if current_session_id else ""
    query = (
        select(AuthSession)
        .where(AuthSession.user_id == user_id, col(AuthSession.expires_at) > utcnow())
        .order_by(col(AuthSession.last_seen_at).desc())
    )
    return [
        ActiveSession(
            handle=session_handle(row.key_hash),
            user_agent=row.user_agent,
            created_at=as_utc(row.created_at),
            last_seen_at=as_utc(row.last_seen_at),
            expires_at=as_utc(row.expires_at),
            current=row.key_hash == current,
        )
        for row in db.exec(query).all()
    ]


def session_handle(key_hash: str) -> str:
    return key_hash[:16]


def revoke_by_handle(*, db: Session, user_id: int, handle: str) -> bool:
    """End one of the user's own sign-ins, named by its handle."""
    for row in db.exec(select(AuthSession).where(AuthSession.user_id == user_id)).all():
        if session_handle(row.key_hash) == handle:
            return revoke_session(db=db, key_hash=row.key_hash, user_id=user_id)
    return False


def end_own_session(*, db: Session, user: User, handle: str) -> bool:
    """A user ends one of their own sign-ins (audited). False when it was not theirs or had ended."""
    assert user.id is not None
    ended = revoke_by_handle(db=db, user_id=user.id, handle=handle)
    if ended:
        record(db=db, actor=user, event=SignInEnded(user_id=user.id))
        db.commit()
    return ended


def sign_out_everywhere(*, db: Session, user: User) -> int:
    """A user ends every sign-in of theirs, the current one included (audited). Returns how many ended."""
    assert user.id is not None
    ended = revoke_all_sessions(db=db, user_id=user.id)
    record(db=db, actor=user, event=SignedOutEverywhere(user_id=user.id, sessions_ended=ended))
    db.commit()
    return ended
