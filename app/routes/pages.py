"""Web pages: the scenario picker, the chat (htmx + SSE), the summary and the list of sessions.

Every form works as a plain POST (303 back to a page); with htmx the same routes answer with the
partial templates ("_*.html") that the page swaps in. The peer's reply streams over SSE. The
replay with supervisors' reviews is in `review_pages`, the staff page in `staff_pages`.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response, status
from sqlmodel import Session
from sse_starlette import EventSourceResponse

from app.auth.access import visible_sessions_clause
from app.auth.deps import CurrentUser
from app.db import SessionDep
from app.models import PracticeSession, Turn
from app.practice.context import PracticeContext, PracticeDep
from app.practice.limits import TooManyTurns, check_turn_rate
from app.practice.messages import MessageRejected
from app.practice.sessions import (
    SessionEnded,
    UnknownScenario,
    coaching_held_back,
    end_session,
    list_sessions,
    list_turns,
    start_session,
)
from app.practice.summary import graded_turns, summarise
from app.practice.turns import collect_peer_reply, finish_pending_replies, submit_turn
from app.routes.guards import RecordId
from app.routes.page_kit import (
    OwnSessionDep,
    PageNotFound,
    PageRoute,
    PracticeSessionDep,
    is_htmx,
    render,
    see_other,
)
from app.routes.presenters import grade_public, state_public, turn_public
from app.routes.streaming import peer_events
from app.routes.views import Exchange, exchanges, revealed_facts, session_row, trust_change

router = APIRouter(route_class=PageRoute, include_in_schema=False)


# --- scenario picker -------------------------------------------------------------------------


def _home_context(
    ctx: PracticeContext, *, error: str | None = None, chosen: dict[str, str] | None = None
) -> dict[str, Any]:
    personas = [entry.item for entry in ctx.catalog.personas.values()]
    default = {"persona": personas[0].id if personas else "", "rubric": ctx.settings.default_rubric, "mode": "practice"}
    return {
        "section": "practice",
        "personas": personas,
        "rubrics": [entry.item for entry in ctx.catalog.rubrics.values()],
        "chosen": chosen or default,
        "error": error,
    }


@router.get("/")
def home(request: Request, ctx: PracticeDep, _user: CurrentUser) -> Response:
    return render(request, "home.html", _home_context(ctx))


@router.post("/sessions")
def create_session(
    request: Request,
    db: SessionDep,
    ctx: PracticeDep,
    user: CurrentUser,
    persona: Annotated[str, Form(max_length=80)] = "",
    rubric: Annotated[str, Form(max_length=80)] = "",
    mode: Annotated[str, Form(max_length=16)] = "practice",
) -> Response:
    rubric = rubric or ctx.settings.default_rubric
    try:
        practice = start_session(
            db=db,
            ctx=ctx,
            persona_id=persona,
            rubric_id=rubric,
            trainee_name=user.display_name,
            trainee_id=user.id,
            mode=mode,
        )
    except UnknownScenario as exc:
        chosen = {"persona": persona, "rubric": rubric, "mode": mode}
        context = _home_context(ctx, error=f"{exc} Choose one from the list.", chosen=chosen)
        return render(request, "home.html", context, status.HTTP_422_UNPROCESSABLE_CONTENT)
    return see_other(f"/sessions/{practice.id}")


# --- the chat ----------------------------------------------------------------------------------


def _chat_context(
    db: Session, ctx: PracticeContext, practice: PracticeSession, *, error: str | None = None, draft: str = ""
) -> dict[str, Any]:
    turns = list_turns(db=db, session_id=practice.id)
    public = [turn_public(g.turn, g.grade) for g in graded_turns(db=db, turns=turns)]
    return {
        "section": "practice",
        "practice": practice,
        "persona": ctx.catalog.persona(practice.persona_id),
        "rubric": ctx.catalog.rubric(practice.rubric_id),
        "turns": public,
        "exchanges": exchanges(public),
        "open_turn_id": next((t.id for t in reversed(public) if t.role == "trainee"), None),
        "state": state_public(practice.persona_state),
        "trust_change": trust_change(turns),
        "held_back": coaching_held_back(practice),
        "max_chars": ctx.settings.max_message_chars,
        "error": error,
        "draft": draft,
    }


@router.get("/sessions/{session_id}")
async def chat(request: Request, practice: OwnSessionDep, db: SessionDep, ctx: PracticeDep) -> Response:
    await finish_pending_replies(db=db, ctx=ctx, practice=practice)
    return render(request, "chat.html", _chat_context(db, ctx, practice))


@router.post("/sessions/{session_id}/turns")
async def post_turn(
    request: Request,
    practice: OwnSessionDep,
    db: SessionDep,
    ctx: PracticeDep,
    user: CurrentUser,
    text: Annotated[str, Form()] = "",
) -> Response:
    try:
        check_turn_rate(db=db, user=user, per_minute=ctx.settings.turns_per_minute)
        submitted = await submit_turn(db=db, ctx=ctx, practice=practice, text=text)
    except (MessageRejected, SessionEnded, TooManyTurns) as exc:
        return _rejected(request, db, ctx, practice, error=str(exc), draft=text)
    if is_htmx(request):  # the exchange, with the peer's reply still to stream
        trainee = graded_turns(db=db, turns=[submitted.trainee_turn])[0]
        exchange = Exchange(trainee=turn_public(trainee.turn, trainee.grade), peer=turn_public(submitted.peer_turn))
        return render(request, "_exchange.html", {**_chat_context(db, ctx, practice), "exchange": exchange})
    await collect_peer_reply(db=db, ctx=ctx, practice=practice, peer_turn=submitted.peer_turn)
    return see_other(f"/sessions/{practice.id}#turn-{submitted.trainee_turn.id}")


def _rejected(
    request: Request, db: Session, ctx: PracticeContext, practice: PracticeSession, *, error: str, draft: str
) -> Response:
    """The message stays in the box with the reason beside it; htmx swaps just the form.

    htmx gets 200, not 422: a 4xx answer makes the browser log a console error on every refusal.
    """
    context = _chat_context(db, ctx, practice, error=error, draft=draft)
    if not is_htmx(request):
        return render(request, "chat.html", context, status.HTTP_422_UNPROCESSABLE_CONTENT)
    response = render(request, "_composer.html", context)
    response.headers["HX-Retarget"] = "#composer"
    response.headers["HX-Reswap"] = "outerHTML"
    return response


@router.get("/sessions/{session_id}/turns/{turn_id}/stream")
def stream_turn(practice: OwnSessionDep, turn_id: RecordId, db: SessionDep, ctx: PracticeDep) -> Response:
    turn = db.get(Turn, turn_id)
    if turn is None or turn.session_id != practice.id or turn.role != "peer":
        raise PageNotFound(f"No peer reply {turn_id} in practice session '{practice.id}'.")
    return EventSourceResponse(peer_events(ctx=ctx, session_id=practice.id, turn_id=turn_id))


@router.post("/sessions/{session_id}/end")
def end(practice: OwnSessionDep, db: SessionDep) -> Response:
    end_session(db=db, practice=practice)
    return see_other(f"/sessions/{practice.id}/summary")


@router.get("/sessions/{session_id}/summary")
async def summary(request: Request, practice: PracticeSessionDep, db: SessionDep, ctx: PracticeDep) -> Response:
    if coaching_held_back(practice):  # an assessment shows its grades only once it has ended
        return see_other(f"/sessions/{practice.id}")
    await finish_pending_replies(db=db, ctx=ctx, practice=practice)
    persona, rubric = ctx.catalog.persona(practice.persona_id), ctx.catalog.rubric(practice.rubric_id)
    graded = graded_turns(db=db, turns=list_turns(db=db, session_id=practice.id))
    state = state_public(practice.persona_state)
    context = {
        "section": "practice",
        "practice": practice,
        "persona": persona,
        "rubric": rubric,
        "summary": summarise(
            rubric=rubric, graded=graded, persona=persona, checklist=ctx.catalog.crisis_checklist(rubric.id)
        ),
        "grades": {g.turn.id: grade_public(g.grade) for g in graded if g.grade is not None},
        "state": state,
        "facts": revealed_facts(persona, state.revealed),
    }
    return render(request, "summary.html", context)


# --- supervisor --------------------------------------------------------------------------------


@router.get("/supervisor")
def supervisor(request: Request, db: SessionDep, ctx: PracticeDep, user: CurrentUser) -> Response:
    """Supervisors see their cohorts' sessions, staff everyone's, trainees their own."""
    visible = visible_sessions_clause(db=db, user=user)
    rows = [session_row(db=db, ctx=ctx, practice=practice) for practice in list_sessions(db=db, visible=visible)]
    rubric = ctx.catalog.rubrics.get(ctx.settings.default_rubric)
    context = {"section": "supervisor", "rows": rows, "rubric": rubric.item if rubric else None}
    return render(request, "supervisor.html", context)
