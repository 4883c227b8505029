"""The JSON API under /api: personas, rubrics, sessions and turns."""

from fastapi import APIRouter, HTTPException, Request, Response, status
from sqlmodel import col, select

from app.auth.access import visible_sessions_clause
from app.auth.deps import CurrentUser
from app.db import SessionDep
from app.models import GradeRecord, PracticeSession
from app.practice.context import PracticeDep
from app.practice.limits import TooManyTurns, check_turn_rate
from app.practice.messages import MessageRejected
from app.practice.paging import page_query
from app.practice.sessions import (
    SessionEnded,
    UnknownScenario,
    coaching_held_back,
    end_session,
    start_session,
)
from app.practice.turns import collect_peer_reply, finish_pending_replies, submit_turn
from app.routes.guards import readable_session, writable_session
from app.routes.list_params import PageQuery, paged
from app.routes.presenters import grade_public, session_list_item, state_public, transcript, turn_public
from app.routes.responses import CHANGES, SIGNED_IN, errors
from app.routes.schemas import (
    PersonaSummary,
    RubricSummary,
    SessionCreate,
    SessionListItem,
    SessionPublic,
    TurnCreate,
    TurnResult,
)
from app.security import UnicodeJSONRoute

router = APIRouter(prefix="/api", tags=["api"], route_class=UnicodeJSONRoute, responses=errors(*SIGNED_IN))


@router.get("/personas")
def personas(ctx: PracticeDep, _user: CurrentUser) -> list[PersonaSummary]:
    return [
        PersonaSummary(**e.item.model_dump(include=set(PersonaSummary.model_fields) - {"version"}), version=e.version)
        for e in ctx.catalog.personas.values()
    ]


@router.get("/rubrics")
def rubrics(ctx: PracticeDep, _user: CurrentUser) -> list[RubricSummary]:
    return [
        RubricSummary.model_validate({**e.item.model_dump(), "version": e.version})
        for e in ctx.catalog.rubrics.values()
    ]


def _transcript(db: SessionDep, practice: PracticeSession) -> SessionPublic:
    return transcript(db=db, practice=practice, hide_grades=coaching_held_back(practice))


@router.get("/sessions")
def sessions(
    request: Request, response: Response, db: SessionDep, user: CurrentUser, paging: PageQuery
) -> list[SessionListItem]:
    """The sessions this user may read, newest first: their own, their cohorts' for supervisors, all for
    staff. Paged: `X-Total-Count` and `Link` headers give the total and the pages beside."""
    query = select(PracticeSession).where(visible_sessions_clause(db=db, user=user))
    query = query.order_by(col(PracticeSession.created_at).desc(), col(PracticeSession.id))
    found = page_query(db=db, query=query, request=paging)
    return [session_list_item(p) for p in paged(response, request.url, found)]


@router.post("/sessions", status_code=status.HTTP_201_CREATED, responses=errors(*CHANGES, 404))
def create_session(body: SessionCreate, db: SessionDep, ctx: PracticeDep, user: CurrentUser) -> SessionPublic:
    try:
        practice = start_session(
            db=db,
            ctx=ctx,
            persona_id=body.persona,
            rubric_id=body.rubric,
            trainee_name=user.display_name,
            trainee_id=user.id,
            mode=body.mode,
        )
    except UnknownScenario as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc
    return _transcript(db, practice)


@router.get("/sessions/{session_id}", responses=errors(404))
async def read_session(session_id: str, db: SessionDep, ctx: PracticeDep, user: CurrentUser) -> SessionPublic:
    practice = readable_session(db=db, user=user, session_id=session_id)
    await finish_pending_replies(db=db, ctx=ctx, practice=practice)
    return _transcript(db, practice)


@router.post(
    "/sessions/{session_id}/turns", status_code=status.HTTP_201_CREATED, responses=errors(*CHANGES, 404, 409, 429)
)
async def create_turn(
    session_id: str, body: TurnCreate, db: SessionDep, ctx: PracticeDep, user: CurrentUser
) -> TurnResult:
    practice = writable_session(db=db, user=user, session_id=session_id)
    try:
        check_turn_rate(db=db, user=user, per_minute=ctx.settings.turns_per_minute)
        submitted = await submit_turn(db=db, ctx=ctx, practice=practice, text=body.text)
    except MessageRejected as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from exc
    except SessionEnded as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc
    except TooManyTurns as exc:
        raise HTTPException(status.HTTP_429_TOO_MANY_REQUESTS, str(exc)) from exc
    reply = await collect_peer_reply(db=db, ctx=ctx, practice=practice, peer_turn=submitted.peer_turn)
    grade = db.exec(select(GradeRecord).where(GradeRecord.turn_id == submitted.trainee_turn.id)).first()
    state = state_public(practice.persona_state)
    if coaching_held_back(practice):  # saved, and shown once the assessment ends
        grade, state.inner_voice = None, None
    return TurnResult(
        turn=turn_public(submitted.trainee_turn, grade),
        grade=grade_public(grade),
        reply=turn_public(reply),
        persona_state=state,
    )


@router.post("/sessions/{session_id}/end", responses=errors(*CHANGES, 404))
def finish_session(session_id: str, db: SessionDep, user: CurrentUser) -> SessionPublic:
    practice = end_session(db=db, practice=writable_session(db=db, user=user, session_id=session_id))
    return _transcript(db, practice)
