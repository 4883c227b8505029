"""Web pages: the scenario picker, the chat (htmx + SSE), the summary and the supervisor's replay.

Every form works as a plain POST (303 back to a page); with htmx the same routes answer with the
partial templates ("_*.html") that the page swaps in. The peer's reply streams over SSE.
"""

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, Response, status
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute
from markupsafe import escape
from sqlmodel import Session
from sse_starlette import EventSourceResponse, ServerSentEvent

from app.content.personas import HiddenFact, Persona
from app.db import SessionDep, get_engine
from app.models import PracticeSession, Turn
from app.practice.context import PracticeContext, PracticeDep
from app.practice.messages import MessageRejected
from app.practice.sessions import (
    SessionEnded,
    SessionNotFound,
    UnknownScenario,
    end_session,
    find_session,
    list_sessions,
    list_turns,
    start_session,
)
from app.practice.summary import GradedTurn, graded_turns, summarise
from app.practice.turns import collect_peer_reply, finish_pending_replies, stream_peer_reply, submit_turn
from app.routes.presenters import grade_public, state_public, turn_public
from app.routes.schemas import PersonaStatePublic, TurnPublic
from app.templating import templates

log = logging.getLogger(__name__)

PEER_ERROR = "Sorry, the peer's reply was cut off. You can carry on with your next message."


class PageNotFound(LookupError):
    """Something a page asked for (a session, a turn) does not exist."""


class PageRoute(APIRoute):
    """Answers a missing session or turn with the 404 page instead of JSON."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except (SessionNotFound, PageNotFound) as exc:
                return templates.TemplateResponse(
                    request, "404.html", {"message": str(exc)}, status_code=status.HTTP_404_NOT_FOUND
                )

        return handle


router = APIRouter(route_class=PageRoute, include_in_schema=False)


def load_practice(session_id: str, db: SessionDep) -> PracticeSession:
    return find_session(db=db, session_id=session_id)


PracticeSessionDep = Annotated[PracticeSession, Depends(load_practice)]


def _page(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> Response:
    return templates.TemplateResponse(request, name, context, status_code=status_code)


def _is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


# --- scenario picker -------------------------------------------------------------------------


def _home_context(
    ctx: PracticeContext, *, error: str | None = None, chosen: dict[str, str] | None = None
) -> dict[str, Any]:
    personas = [entry.item for entry in ctx.catalog.personas.values()]
    return {
        "section": "practice",
        "personas": personas,
        "rubrics": [entry.item for entry in ctx.catalog.rubrics.values()],
        "chosen": chosen or {"persona": personas[0].id if personas else "", "rubric": ctx.settings.default_rubric},
        "error": error,
    }


@router.get("/")
def home(request: Request, ctx: PracticeDep) -> Response:
    return _page(request, "home.html", _home_context(ctx))


@router.post("/sessions")
def create_session(
    request: Request,
    db: SessionDep,
    ctx: PracticeDep,
    persona: Annotated[str, Form(max_length=80)] = "",
    rubric: Annotated[str, Form(max_length=80)] = "",
    trainee_name: Annotated[str, Form(max_length=80)] = "",
) -> Response:
    rubric = rubric or ctx.settings.default_rubric
    try:
        practice = start_session(db=db, ctx=ctx, persona_id=persona, rubric_id=rubric, trainee_name=trainee_name)
    except UnknownScenario as exc:
        chosen = {"persona": persona, "rubric": rubric, "trainee_name": trainee_name}
        context = _home_context(ctx, error=f"{exc} Choose one from the list.", chosen=chosen)
        return _page(request, "home.html", context, status.HTTP_422_UNPROCESSABLE_CONTENT)
    return RedirectResponse(f"/sessions/{practice.id}", status.HTTP_303_SEE_OTHER)


# --- the chat ----------------------------------------------------------------------------------


def _trust_change(turns: list[Turn]) -> int | None:
    """How much the peer's last reply moved trust, from the reading saved with it."""
    peer = next((t for t in reversed(turns) if t.role == "peer" and t.reading and t.persona_state), None)
    if peer is None or peer.reading is None or peer.persona_state is None:
        return None
    return int(peer.persona_state["trust"]) - int(peer.reading["trust_before"])


def _chat_context(
    db: Session, ctx: PracticeContext, practice: PracticeSession, *, error: str | None = None, draft: str = ""
) -> dict[str, Any]:
    turns = list_turns(db=db, session_id=practice.id)
    public = [turn_public(g.turn, g.grade) for g in graded_turns(db=db, turns=turns)]
    last_trainee = next((t.id for t in reversed(public) if t.role == "trainee"), None)
    return {
        "section": "practice",
        "practice": practice,
        "persona": ctx.catalog.persona(practice.persona_id),
        "rubric": ctx.catalog.rubric(practice.rubric_id),
        "turns": public,
        "open_turn_id": last_trainee,
        "state": state_public(practice.persona_state),
        "trust_change": _trust_change(turns),
        "max_chars": ctx.settings.max_message_chars,
        "error": error,
        "draft": draft,
    }


@router.get("/sessions/{session_id}")
async def chat(request: Request, practice: PracticeSessionDep, db: SessionDep, ctx: PracticeDep) -> Response:
    await finish_pending_replies(db=db, ctx=ctx, practice=practice)
    return _page(request, "chat.html", _chat_context(db, ctx, practice))


@router.post("/sessions/{session_id}/turns")
async def post_turn(
    request: Request,
    practice: PracticeSessionDep,
    db: SessionDep,
    ctx: PracticeDep,
    text: Annotated[str, Form()] = "",
) -> Response:
    try:
        submitted = await submit_turn(db=db, ctx=ctx, practice=practice, text=text)
    except (MessageRejected, SessionEnded) as exc:
        return _rejected(request, db, ctx, practice, error=str(exc), draft=text)
    if _is_htmx(request):
        trainee = graded_turns(db=db, turns=[submitted.trainee_turn])[0]
        context = {
            **_chat_context(db, ctx, practice),
            "turn": turn_public(trainee.turn, trainee.grade),
            "peer_turn": submitted.peer_turn,
        }
        return _page(request, "_turn.html", context)
    await collect_peer_reply(db=db, ctx=ctx, practice=practice, peer_turn=submitted.peer_turn)
    return RedirectResponse(
        f"/sessions/{practice.id}#turn-{submitted.trainee_turn.id}", status.HTTP_303_SEE_OTHER
    )


def _rejected(
    request: Request, db: Session, ctx: PracticeContext, practice: PracticeSession, *, error: str, draft: str
) -> Response:
    """The message stays in the box with the reason beside it; htmx swaps just the form."""
    context = _chat_context(db, ctx, practice, error=error, draft=draft)
    unprocessable = status.HTTP_422_UNPROCESSABLE_CONTENT
    if not _is_htmx(request):
        return _page(request, "chat.html", context, unprocessable)
    response = _page(request, "_composer.html", context, unprocessable)
    response.headers["HX-Retarget"] = "#composer"
    response.headers["HX-Reswap"] = "outerHTML"
    return response


@router.post("/sessions/{session_id}/end")
def end(practice: PracticeSessionDep, db: SessionDep) -> Response:
    end_session(db=db, practice=practice)
    return RedirectResponse(f"/sessions/{practice.id}/summary", status.HTTP_303_SEE_OTHER)


# --- the peer's reply, streamed -----------------------------------------------------------------

_writers: set[asyncio.Task[None]] = set()
"""Replies being written; held here so a closed page does not stop (or garbage-collect) them."""


@router.get("/sessions/{session_id}/turns/{turn_id}/stream")
def stream_turn(practice: PracticeSessionDep, turn_id: int, db: SessionDep, ctx: PracticeDep) -> Response:
    turn = db.get(Turn, turn_id)
    if turn is None or turn.session_id != practice.id or turn.role != "peer":
        raise PageNotFound(f"No peer reply {turn_id} in practice session '{practice.id}'.")
    return EventSourceResponse(_peer_events(ctx=ctx, session_id=practice.id, turn_id=turn_id))


async def _peer_events(*, ctx: PracticeContext, session_id: str, turn_id: int) -> AsyncIterator[ServerSentEvent]:
    """SSE events: "token" (escaped HTML) per piece, "peer-error" if the reply fails, then "done".

    The reply is written by its own task, so it is finished and saved even when the page goes away
    mid-stream. ("error" is not used as an event name: EventSource reserves it for lost connections.)
    """
    queue: asyncio.Queue[ServerSentEvent | None] = asyncio.Queue()
    writer = asyncio.create_task(_write_reply(ctx=ctx, session_id=session_id, turn_id=turn_id, queue=queue))
    _writers.add(writer)
    writer.add_done_callback(_writers.discard)
    while (event := await queue.get()) is not None:
        yield event


async def _write_reply(
    *, ctx: PracticeContext, session_id: str, turn_id: int, queue: asyncio.Queue[ServerSentEvent | None]
) -> None:
    try:
        with Session(get_engine()) as db:
            practice = find_session(db=db, session_id=session_id)
            peer_turn = db.get(Turn, turn_id)
            if peer_turn is None:
                raise PageNotFound(f"No peer reply {turn_id}.")
            async for piece in stream_peer_reply(db=db, ctx=ctx, practice=practice, peer_turn=peer_turn):
                queue.put_nowait(ServerSentEvent(event="token", data=str(escape(piece))))
    except Exception:
        log.exception("streaming peer turn %s failed", turn_id)
        queue.put_nowait(ServerSentEvent(event="peer-error", data=str(escape(PEER_ERROR))))
    queue.put_nowait(ServerSentEvent(event="done", data=_state_fragment(ctx, session_id)))
    queue.put_nowait(None)


def _state_fragment(ctx: PracticeContext, session_id: str) -> str:
    """The trust meter and mood, marked for an out-of-band swap when the reply is done."""
    try:
        with Session(get_engine()) as db:
            practice = find_session(db=db, session_id=session_id)
            turns = list_turns(db=db, session_id=session_id)
            return templates.get_template("_persona_state.html").render(
                persona=ctx.catalog.persona(practice.persona_id),
                state=state_public(practice.persona_state),
                trust_change=_trust_change(turns),
                oob=True,
            )
    except Exception:
        log.exception("could not render the peer's state for session %s", session_id)
        return ""


# --- summary and supervisor ---------------------------------------------------------------------


def _facts(persona: Persona, revealed: list[str]) -> list[HiddenFact]:
    known = {fact.id: fact for fact in persona.hidden_facts}
    return [known[fact_id] for fact_id in revealed if fact_id in known]


@router.get("/sessions/{session_id}/summary")
async def summary(request: Request, practice: PracticeSessionDep, db: SessionDep, ctx: PracticeDep) -> Response:
    await finish_pending_replies(db=db, ctx=ctx, practice=practice)
    persona, rubric = ctx.catalog.persona(practice.persona_id), ctx.catalog.rubric(practice.rubric_id)
    graded = graded_turns(db=db, turns=list_turns(db=db, session_id=practice.id))
    result = summarise(rubric=rubric, graded=graded)
    grades = {g.turn.id: grade_public(g.grade) for g in graded if g.grade is not None}
    state = state_public(practice.persona_state)
    context = {
        "section": "practice",
        "practice": practice,
        "persona": persona,
        "rubric": rubric,
        "summary": result,
        "grades": grades,
        "state": state,
        "facts": _facts(persona, state.revealed),
    }
    return _page(request, "summary.html", context)


@dataclass(frozen=True)
class SessionRow:
    practice: PracticeSession
    persona_name: str
    replies: int
    averages: dict[str, float]


def _session_row(db: Session, ctx: PracticeContext, practice: PracticeSession) -> SessionRow:
    graded = graded_turns(db=db, turns=list_turns(db=db, session_id=practice.id))
    entry = ctx.catalog.personas.get(practice.persona_id)
    rubric_entry = ctx.catalog.rubrics.get(practice.rubric_id)
    averages = summarise(rubric=rubric_entry.item, graded=graded).averages if rubric_entry else {}
    return SessionRow(
        practice=practice,
        persona_name=entry.item.name if entry else practice.persona_id,
        replies=sum(1 for g in graded if g.turn.role == "trainee"),
        averages=averages,
    )


@router.get("/supervisor")
def supervisor(request: Request, db: SessionDep, ctx: PracticeDep) -> Response:
    rows = [_session_row(db, ctx, practice) for practice in list_sessions(db=db)]
    rubric = ctx.catalog.rubrics.get(ctx.settings.default_rubric)
    context = {"section": "supervisor", "rows": rows, "rubric": rubric.item if rubric else None}
    return _page(request, "supervisor.html", context)


@dataclass(frozen=True)
class ReplayStep:
    """One turn as the supervisor sees it: the words, the grade, and the peer's state after it."""

    turn: TurnPublic
    state: PersonaStatePublic | None
    facts: list[HiddenFact]
    new_facts: list[str]
    reading: dict[str, Any] | None


def _replay_step(persona: Persona, graded: GradedTurn) -> ReplayStep:
    turn = graded.turn
    state = state_public(turn.persona_state) if turn.role == "peer" and turn.persona_state else None
    reading = turn.reading if turn.role == "peer" else None
    return ReplayStep(
        turn=turn_public(turn, graded.grade),
        state=state,
        facts=_facts(persona, state.revealed) if state else [],
        new_facts=list(reading.get("revealed_now", [])) if reading else [],
        reading=reading,
    )


@router.get("/supervisor/sessions/{session_id}")
async def replay(request: Request, practice: PracticeSessionDep, db: SessionDep, ctx: PracticeDep) -> Response:
    await finish_pending_replies(db=db, ctx=ctx, practice=practice)
    persona = ctx.catalog.persona(practice.persona_id)
    graded = graded_turns(db=db, turns=list_turns(db=db, session_id=practice.id))
    context = {
        "section": "supervisor",
        "practice": practice,
        "persona": persona,
        "rubric": ctx.catalog.rubric(practice.rubric_id),
        "steps": [_replay_step(persona, g) for g in graded],
        "graders": sorted({g.grade.grader for g in graded if g.grade is not None}),
    }
    return _page(request, "replay.html", context)
