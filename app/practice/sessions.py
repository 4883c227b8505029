"""Starting, finding, listing and ending practice sessions."""

from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from app.auth.access import visible_sessions_clause
from app.content.catalog import Entry
from app.content.personas import Persona
from app.content.rubrics import Rubric
from app.errors import Conflict, NotFound
from app.models import (
    ContentVersion,
    PracticeSession,
    SessionMode,
    SessionStatus,
    Turn,
    TurnRole,
    TurnStatus,
    User,
    utcnow,
)
from app.persona.state import initial_state
from app.practice.access import SessionNotFound, writable_session
from app.practice.context import PracticeContext
from app.practice.limits import check_session_rate
from app.practice.paging import Page, PageRequest, page_query
from app.transcript import ContextTurn


class UnknownScenario(NotFound):
    """A persona or rubric id that the catalog does not hold."""


class SessionEnded(Conflict):
    """The session is over; no more turns can be added."""


def coaching_held_back(practice: PracticeSession, viewer: User | None = None) -> bool:
    """A running assessment keeps grades, coaching and the peer's trust, mood and thoughts from its
    trainee until it ends. `viewer`: who is looking (None: assume the trainee)."""
    running = practice.mode == SessionMode.ASSESSMENT and practice.status != SessionStatus.ENDED
    return running and (viewer is None or viewer.id == practice.trainee_id)


def _record_version(*, db: Session, kind: str, item_id: str, entry: Entry[Persona] | Entry[Rubric]) -> None:
    """Keep a copy of the content file as this session uses it (once per version, even when two
    sessions start with a new version at the same moment)."""
    insert = sqlite_insert if db.get_bind().dialect.name == "sqlite" else postgresql_insert
    text = entry.path.read_text(encoding="utf-8")
    row = {"kind": kind, "item_id": item_id, "version": entry.version, "text": text, "created_at": utcnow()}
    db.exec(insert(ContentVersion).values(**row).on_conflict_do_nothing())


def start_session(
    *,
    db: Session,
    ctx: PracticeContext,
    persona_id: str,
    rubric_id: str,
    trainee: User | None = None,
    mode: SessionMode | str = SessionMode.PRACTICE,
) -> PracticeSession:
    """A new session with the peer's opening line; at most PEER_SESSIONS_PER_HOUR per trainee."""
    catalog = ctx.catalog
    if persona_id not in catalog.personas:
        raise UnknownScenario(f"No persona called '{persona_id}'.")
    if rubric_id not in catalog.rubrics:
        raise UnknownScenario(f"No rubric called '{rubric_id}'.")
    if trainee is not None:
        check_session_rate(db=db, user=trainee, per_hour=ctx.settings.sessions_per_hour)
    persona_entry, rubric_entry = catalog.personas[persona_id], catalog.rubrics[rubric_id]
    state = initial_state(persona_entry.item, catalog.level(persona_id))
    practice = PracticeSession(
        trainee_name=(trainee.display_name if trainee else "").strip()[:80],
        trainee_id=trainee.id if trainee else None,
        mode=SessionMode(mode) if mode in tuple(SessionMode) else SessionMode.PRACTICE,
        persona_id=persona_id,
        persona_version=persona_entry.version,
        rubric_id=rubric_id,
        rubric_version=rubric_entry.version,
        engine=ctx.engine.name,
    )
    opening = ctx.engine.opening(persona=persona_entry.item, state=state)
    practice.persona_state = state.model_dump()
    _record_version(db=db, kind="persona", item_id=persona_id, entry=persona_entry)
    _record_version(db=db, kind="rubric", item_id=rubric_id, entry=rubric_entry)
    db.add(practice)
    db.add(
        Turn(session_id=practice.id, position=0, role=TurnRole.PEER, text=opening, persona_state=state.model_dump())
    )
    db.commit()
    db.refresh(practice)
    return practice


def find_session(*, db: Session, session_id: str) -> PracticeSession:
    practice = db.get(PracticeSession, session_id)
    if practice is None:
        raise SessionNotFound(f"No practice session '{session_id}'.")
    return practice


def list_turns(*, db: Session, session_id: str) -> list[Turn]:
    query = select(Turn).where(Turn.session_id == session_id).order_by(col(Turn.position))
    return list(db.exec(query).all())


def as_context(turns: list[Turn]) -> list[ContextTurn]:
    """The conversation so far as graders and persona engines read it: the complete turns."""
    return [
        ContextTurn(role="trainee" if t.role == TurnRole.TRAINEE else "peer", text=t.text)
        for t in turns
        if t.status == TurnStatus.COMPLETE
    ]


def list_sessions(*, db: Session, user: User, paging: PageRequest) -> Page[PracticeSession]:
    """The sessions this user may read, newest first: their own, their cohorts' for supervisors, all for staff."""
    query = select(PracticeSession).where(visible_sessions_clause(db=db, user=user))
    query = query.order_by(col(PracticeSession.created_at).desc(), col(PracticeSession.id))
    return page_query(db=db, query=query, request=paging)


def end_session(*, db: Session, user: User, session_id: str) -> PracticeSession:
    """The trainee ends their session (again is fine): an assessment's grades and coaching show now."""
    practice = writable_session(db=db, user=user, session_id=session_id)
    if practice.status != SessionStatus.ENDED:
        practice.status = SessionStatus.ENDED
        practice.ended_at = utcnow()
        db.add(practice)
        db.commit()
        db.refresh(practice)
    return practice
