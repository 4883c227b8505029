"""Starting, finding, listing and ending practice sessions."""

from sqlmodel import Session, col, select

from app.content.catalog import Entry
from app.content.personas import Persona
from app.content.rubrics import Rubric
from app.models import ContentVersion, PracticeSession, Turn, utcnow
from app.persona.state import initial_state
from app.practice.context import PracticeContext

SESSION_MODES = ("practice", "assessment")


def coaching_held_back(practice: PracticeSession) -> bool:
    """In assessment mode the trainee sees grades, coaching and the peer's feelings only once it ends."""
    return practice.mode == "assessment" and practice.status != "ended"


class UnknownScenario(LookupError):
    """A persona or rubric id that the catalog does not hold."""


class SessionNotFound(LookupError):
    pass


class SessionEnded(RuntimeError):
    """The session is over; no more turns can be added."""


def _record_version(*, db: Session, kind: str, item_id: str, entry: Entry[Persona] | Entry[Rubric]) -> None:
    exists = db.exec(
        select(ContentVersion).where(
            ContentVersion.kind == kind,
            ContentVersion.item_id == item_id,
            ContentVersion.version == entry.version,
        )
    ).first()
    if exists is None:
        text = entry.path.read_text(encoding="utf-8")
        db.add(ContentVersion(kind=kind, item_id=item_id, version=entry.version, text=text))


def start_session(
    *,
    db: Session,
    ctx: PracticeContext,
    persona_id: str,
    rubric_id: str,
    trainee_name: str = "",
    trainee_id: int | None = None,
    mode: str = "practice",
) -> PracticeSession:
    catalog = ctx.catalog
    if persona_id not in catalog.personas:
        raise UnknownScenario(f"No persona called '{persona_id}'.")
    if rubric_id not in catalog.rubrics:
        raise UnknownScenario(f"No rubric called '{rubric_id}'.")
    persona_entry, rubric_entry = catalog.personas[persona_id], catalog.rubrics[rubric_id]
    state = initial_state(persona_entry.item, catalog.level(persona_id))
    practice = PracticeSession(
        trainee_name=trainee_name.strip()[:80],
        trainee_id=trainee_id,
        mode=mode if mode in SESSION_MODES else "practice",
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
    db.add(Turn(session_id=practice.id, position=0, role="peer", text=opening, persona_state=state.model_dump()))
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


def end_session(*, db: Session, practice: PracticeSession) -> PracticeSession:
    if practice.status != "ended":
        practice.status = "ended"
        practice.ended_at = utcnow()
        db.add(practice)
        db.commit()
        db.refresh(practice)
    return practice
