"""Web pages: the scenario picker, the chat (htmx + SSE), the summary and the list of sessions.

Every form works as a plain POST (303 back to a page); with htmx the same routes answer with the
partial templates ("_*.html") that the page swaps in. The peer's reply streams over SSE. The
replay with supervisors' reviews is in `review_pages`, the staff page in `staff_pages`, the sessions
list (a review queue), progress and cohorts in `supervision_pages`.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response, status
from sqlmodel import Session
from sse_starlette import EventSourceResponse

from app.auth.deps import CurrentUser
from app.db import SessionDep, in_session
from app.errors import Conflict, DomainError, Invalid, NotFound, TooMany
from app.models import Turn, TurnRole, User
from app.practice.access import readable_session, writable_session
from app.practice.context import PracticeContext, PracticeDep
from app.practice.replies import finish_pending_replies
from app.practice.reviews import reviews_for
from app.practice.scenario import session_checklist, session_content
from app.practice.sessions import (
    UnknownScenario,
    coaching_held_back,
    end_session,
    find_session,
    list_turns,
    start_session,
)
from app.practice.summary import graded_turns, summarise
from app.practice.turns import SubmittedTurn, send_turn, take_turn
from app.routes.guards import RecordId
from app.routes.page_kit import OwnSessionDep, is_htmx, render, see_other
from app.routes.presenters import grade_public, state_public, turn_public
from app.routes.streaming import peer_events
from app.routes.views import Exchange, exchanges, revealed_facts, trust_change

router = APIRouter(include_in_schema=False)


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
        practice = start_session(db=db, ctx=ctx, persona_id=persona, rubric_id=rubric, trainee=user, mode=mode)
    except UnknownScenario as exc:
        chosen = {"persona": persona, "rubric": rubric, "mode": mode}
        context = _home_context(ctx, error=f"{exc.message} Choose one from the list.", chosen=chosen)
        return render(request, "home.html", context, status.HTTP_422_UNPROCESSABLE_CONTENT)
    return see_other(f"/sessions/{practice.id}")


# --- the chat ----------------------------------------------------------------------------------


def _chat_context(
    *, db: Session, ctx: PracticeContext, user: User, session_id: str, error: str | None = None, draft: str = ""
) -> dict[str, Any]:
    practice = writable_session(db=db, user=user, session_id=session_id)
    held_back = coaching_held_back(practice, user)
    turns = list_turns(db=db, session_id=practice.id)
    reviews = reviews_for(db=db, turn_ids=[t.id for t in turns if t.id is not None])
    public = [
        turn_public(g.turn, None if held_back else g.grade, reviews.get(g.turn.id or 0))
        for g in graded_turns(db=db, turns=turns)
    ]
    persona, rubric = session_content(db=db, ctx=ctx, practice=practice)
    return {
        "section": "practice",
        "practice": practice,
        "persona": persona,
        "rubric": rubric,
        "turns": public,
        "exchanges": exchanges(public),
        "open_turn_id": next((t.id for t in reversed(public) if t.role == "trainee"), None),
        "state": None if held_back else state_public(practice.persona_state),
        "trust_change": None if held_back else trust_change(turns),
        "held_back": held_back,
        "max_chars": ctx.settings.max_message_chars,
        "error": error,
        "draft": draft,
    }


@router.get("/sessions/{session_id}")
async def chat(request: Request, session_id: str, ctx: PracticeDep, user: CurrentUser) -> Response:
    await in_session(writable_session, user=user, session_id=session_id)
    await finish_pending_replies(ctx=ctx, session_id=session_id)
    context = await in_session(_chat_context, ctx=ctx, user=user, session_id=session_id)
    return render(request, "chat.html", context)


def _exchange_context(*, db: Session, ctx: PracticeContext, user: User, submitted: SubmittedTurn) -> dict[str, Any]:
    context = _chat_context(db=db, ctx=ctx, user=user, session_id=submitted.practice.id)
    trainee = graded_turns(db=db, turns=[submitted.trainee_turn])[0]
    grade = None if context["held_back"] else trainee.grade
    exchange = Exchange(trainee=turn_public(trainee.turn, grade), peer=turn_public(submitted.peer_turn))
    return {**context, "exchange": exchange}


@router.post("/sessions/{session_id}/turns")
async def post_turn(
    request: Request, session_id: str, ctx: PracticeDep, user: CurrentUser, text: Annotated[str, Form()] = ""
) -> Response:
    try:
        if is_htmx(request):  # the exchange, with the peer's reply still to stream
            submitted = await send_turn(ctx=ctx, user=user, session_id=session_id, text=text)
            context = await in_session(_exchange_context, ctx=ctx, user=user, submitted=submitted)
            return render(request, "_exchange.html", context)
        taken = await take_turn(ctx=ctx, user=user, session_id=session_id, text=text)
    except (Invalid, Conflict, TooMany) as exc:
        context = await in_session(
            _chat_context, ctx=ctx, user=user, session_id=session_id, error=exc.message, draft=text
        )
        return _rejected(request, context, exc)
    return see_other(f"/sessions/{session_id}#turn-{taken.trainee_turn.id}")


def _rejected(request: Request, context: dict[str, Any], error: DomainError) -> Response:
    """The message stays in the box with the reason beside it; htmx swaps just the form.

    htmx gets 200, not the refusal's status: a 4xx answer makes the browser log a console error."""
    if not is_htmx(request):
        response = render(request, "chat.html", context, error.status)
        response.headers.update(error.headers())
        return response
    response = render(request, "_composer.html", context)
    response.headers["HX-Retarget"] = "#composer"
    response.headers["HX-Reswap"] = "outerHTML"
    return response


@router.get("/sessions/{session_id}/turns/{turn_id}/stream")
def stream_turn(practice: OwnSessionDep, turn_id: RecordId, db: SessionDep, ctx: PracticeDep) -> Response:
    """The peer's reply as it is written; a stream that comes back after a dropped connection gets the
    saved words. No database connection is held while it streams."""
    turn = db.get(Turn, turn_id)
    if turn is None or turn.session_id != practice.id or turn.role != TurnRole.PEER:
        raise NotFound(f"No peer reply {turn_id} in practice session '{practice.id}'.")
    return EventSourceResponse(peer_events(ctx=ctx, session_id=practice.id, turn_id=turn_id))


@router.post("/sessions/{session_id}/end")
def end(session_id: str, db: SessionDep, user: CurrentUser) -> Response:
    practice = end_session(db=db, user=user, session_id=session_id)
    return see_other(f"/sessions/{practice.id}/summary")


def _summary_context(*, db: Session, ctx: PracticeContext, session_id: str) -> dict[str, Any]:
    practice = find_session(db=db, session_id=session_id)
    persona, rubric = session_content(db=db, ctx=ctx, practice=practice)  # a retired rubric: its saved copy
    graded = graded_turns(db=db, turns=list_turns(db=db, session_id=practice.id))
    reviews = reviews_for(db=db, turn_ids=[g.turn.id for g in graded if g.turn.id is not None])
    names = {d.key: d.name for d in rubric.dimensions}
    state = state_public(practice.persona_state)
    return {
        "section": "practice",
        "practice": practice,
        "persona": persona,
        "rubric": rubric,
        "summary": summarise(
            rubric=rubric, graded=graded, persona=persona, checklist=session_checklist(ctx.catalog, rubric)
        ),
        "grades": {g.turn.id: grade_public(g.grade, reviews.get(g.turn.id or 0), names) for g in graded if g.grade},
        "state": state,
        "facts": revealed_facts(persona, state.revealed),
    }


@router.get("/sessions/{session_id}/summary")
async def summary(request: Request, session_id: str, ctx: PracticeDep, user: CurrentUser) -> Response:
    practice = await in_session(readable_session, user=user, session_id=session_id)
    if coaching_held_back(practice, user):  # an assessment shows its grades only once it has ended
        return see_other(f"/sessions/{practice.id}")
    await finish_pending_replies(ctx=ctx, session_id=session_id)
    context = await in_session(_summary_context, ctx=ctx, session_id=session_id)
    return render(request, "summary.html", context)
