"""The JSON API under /api: personas, rubrics, sessions and turns."""

from fastapi import APIRouter, HTTPException, status
from sqlmodel import select

from app.db import SessionDep
from app.models import GradeRecord, PracticeSession
from app.practice.context import PracticeDep
from app.practice.messages import MessageRejected
from app.practice.sessions import (
    SessionEnded,
    SessionNotFound,
    UnknownScenario,
    end_session,
    find_session,
    list_turns,
    start_session,
)
from app.practice.summary import graded_turns
from app.practice.turns import collect_peer_reply, finish_pending_replies, submit_turn
from app.routes.presenters import grade_public, session_public, state_public, turn_public
from app.routes.schemas import (
    PersonaSummary,
    RubricSummary,
    SessionCreate,
    SessionPublic,
    TurnCreate,
    TurnResult,
)

router = APIRouter(prefix="/api", tags=["api"])


@router.get("/personas")
def personas(ctx: PracticeDep) -> list[PersonaSummary]:
    return [
        PersonaSummary(**e.item.model_dump(include=set(PersonaSummary.model_fields) - {"version"}), version=e.version)
        for e in ctx.catalog.personas.values()
    ]


@router.get("/rubrics")
def rubrics(ctx: PracticeDep) -> list[RubricSummary]:
    return [
        RubricSummary.model_validate({**e.item.model_dump(), "version": e.version})
        for e in ctx.catalog.rubrics.values()
    ]


def _load(db: SessionDep, session_id: str) -> PracticeSession:
    try:
        return find_session(db=db, session_id=session_id)
    except SessionNotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc


def _transcript(db: SessionDep, practice: PracticeSession) -> SessionPublic:
    return session_public(practice, graded_turns(db=db, turns=list_turns(db=db, session_id=practice.id)))


@router.post("/sessions", status_code=status.HTTP_201_CREATED)
def create_session(body: SessionCreate, db: SessionDep, ctx: PracticeDep) -> SessionPublic:
    try:
        practice = start_session(
            db=db, ctx=ctx, persona_id=body.persona, rubric_id=body.rubric, trainee_name=body.trainee_name
        )
    except UnknownScenario as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc
    return _transcript(db, practice)


@router.get("/sessions/{session_id}")
async def read_session(session_id: str, db: SessionDep, ctx: PracticeDep) -> SessionPublic:
    practice = _load(db, session_id)
    await finish_pending_replies(db=db, ctx=ctx, practice=practice)
    return _transcript(db, practice)


@router.post("/sessions/{session_id}/turns", status_code=status.HTTP_201_CREATED)
async def create_turn(session_id: str, body: TurnCreate, db: SessionDep, ctx: PracticeDep) -> TurnResult:
    practice = _load(db, session_id)
    try:
        submitted = await submit_turn(db=db, ctx=ctx, practice=practice, text=body.text)
    except MessageRejected as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from exc
    except SessionEnded as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc
    reply = await collect_peer_reply(db=db, ctx=ctx, practice=practice, peer_turn=submitted.peer_turn)
    grade = db.exec(select(GradeRecord).where(GradeRecord.turn_id == submitted.trainee_turn.id)).first()
    return TurnResult(
        turn=turn_public(submitted.trainee_turn, grade),
        grade=grade_public(grade),
        reply=turn_public(reply),
        persona_state=state_public(practice.persona_state),
    )


@router.post("/sessions/{session_id}/end")
def finish_session(session_id: str, db: SessionDep) -> SessionPublic:
    practice = end_session(db=db, practice=_load(db, session_id))
    return _transcript(db, practice)
