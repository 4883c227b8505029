"""The JSON API under /api: personas, rubrics, sessions and turns."""

from fastapi import APIRouter, Request, Response, status
from sqlmodel import Session

from app.auth.deps import CurrentUser
from app.db import SessionDep, in_session
from app.models import User
from app.practice.access import readable_session
from app.practice.context import PracticeDep
from app.practice.replies import finish_pending_replies
from app.practice.sessions import end_session, find_session, list_sessions, start_session
from app.practice.turns import take_turn
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


@router.get("/sessions")
def sessions(
    request: Request, response: Response, db: SessionDep, user: CurrentUser, paging: PageQuery
) -> list[SessionListItem]:
    """The sessions this user may read, newest first: their own, their cohorts' for supervisors, all for
    staff. Paged: `X-Total-Count` and `Link` headers give the total and the pages beside."""
    found = list_sessions(db=db, user=user, paging=paging)
    return [session_list_item(p) for p in paged(response, request.url, found)]


@router.post("/sessions", status_code=status.HTTP_201_CREATED, responses=errors(*CHANGES, 404, 429))
def create_session(body: SessionCreate, db: SessionDep, ctx: PracticeDep, user: CurrentUser) -> SessionPublic:
    practice = start_session(
        db=db, ctx=ctx, persona_id=body.persona, rubric_id=body.rubric, trainee=user, mode=body.mode
    )
    return transcript(db=db, practice=practice, viewer=user)


def _read_transcript(*, db: Session, user: User, session_id: str) -> SessionPublic:
    return transcript(db=db, practice=find_session(db=db, session_id=session_id), viewer=user)


@router.get("/sessions/{session_id}", responses=errors(404))
async def read_session(session_id: str, ctx: PracticeDep, user: CurrentUser) -> SessionPublic:
    await in_session(readable_session, user=user, session_id=session_id)  # may they? (and the audit row)
    await finish_pending_replies(ctx=ctx, session_id=session_id)
    return await in_session(_read_transcript, user=user, session_id=session_id)


@router.post(
    "/sessions/{session_id}/turns", status_code=status.HTTP_201_CREATED, responses=errors(*CHANGES, 404, 409, 429)
)
async def create_turn(session_id: str, body: TurnCreate, ctx: PracticeDep, user: CurrentUser) -> TurnResult:
    """409 while the peer is still answering the last message (nothing saved: send it again after)."""
    taken = await take_turn(ctx=ctx, user=user, session_id=session_id, text=body.text)
    state = state_public(taken.persona_state) if taken.persona_state is not None else None
    return TurnResult(
        turn=turn_public(taken.trainee_turn, taken.grade),
        grade=grade_public(taken.grade),
        reply=turn_public(taken.reply),
        persona_state=state,
    )


@router.post("/sessions/{session_id}/end", responses=errors(*CHANGES, 404))
def finish_session(session_id: str, db: SessionDep, user: CurrentUser) -> SessionPublic:
    practice = end_session(db=db, user=user, session_id=session_id)
    return transcript(db=db, practice=practice, viewer=user)
