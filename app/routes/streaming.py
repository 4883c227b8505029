"""The peer's reply as server-sent events, for the chat page's htmx SSE extension."""

import asyncio
import logging
from collections.abc import AsyncIterator

from markupsafe import escape
from sqlmodel import Session, col, select
from sse_starlette import ServerSentEvent

from app.db import get_engine
from app.grading.base import Grade
from app.logsafe import log_failure
from app.models import PracticeSession, Turn
from app.persona.events import Piece, Replace
from app.practice.context import PracticeContext
from app.practice.scenario import session_content
from app.practice.sessions import coaching_held_back, find_session, list_turns
from app.practice.turns import PeerEvent, ReplySaved, stream_peer_events
from app.routes.presenters import state_public
from app.routes.views import trust_change
from app.templating import templates

log = logging.getLogger(__name__)

PEER_ERROR = "Sorry, the peer's reply was cut off. You can carry on with your next message."

_writers: set[asyncio.Task[None]] = set()
"""Replies being written; held here so a closed page does not stop (or garbage-collect) them."""


async def peer_events(*, ctx: PracticeContext, session_id: str, turn_id: int) -> AsyncIterator[ServerSentEvent]:
    """Events: "token" per piece and "replace" when the peer takes words back (both HTML-escaped);
    "reply-done" with the peer's new state; "peer-error" or "peer-notice" when something went wrong;
    "grade" when an LLM judge's grade replaces the quick one; then "done".

    The reply is written by its own task with its own database session, so it is finished and
    saved even when the page goes away mid-stream. ("error" is not used as an event name:
    EventSource fires its own "error" for a lost connection, and the SSE extension logs it.)
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
                raise LookupError(f"No peer turn {turn_id}.")
            async for event in stream_peer_events(db=db, ctx=ctx, practice=practice, peer_turn=peer_turn):
                for message in _as_messages(ctx, db, practice, event):
                    queue.put_nowait(message)
    except Exception:
        log_failure(log, "streaming peer turn %s failed", turn_id)
        queue.put_nowait(ServerSentEvent(event="peer-error", data=str(escape(PEER_ERROR))))
        queue.put_nowait(ServerSentEvent(event="reply-done", data=_state_fragment(ctx, session_id)))
    queue.put_nowait(ServerSentEvent(event="done", data=""))
    queue.put_nowait(None)


def _as_messages(
    ctx: PracticeContext, db: Session, practice: PracticeSession, event: PeerEvent
) -> list[ServerSentEvent]:
    if isinstance(event, Piece):
        return [ServerSentEvent(event="token", data=str(escape(event.text)))]
    if isinstance(event, Replace):
        return [ServerSentEvent(event="replace", data=str(escape(event.text)))]
    if isinstance(event, ReplySaved):
        messages = [ServerSentEvent(event="reply-done", data=_state_fragment(ctx, practice.id))]
        if event.turn.error:
            kind = "peer-error" if event.turn.status == "failed" else "peer-notice"
            messages.insert(0, ServerSentEvent(event=kind, data=str(escape(event.turn.error))))
        return messages
    if coaching_held_back(practice):
        return []
    return [ServerSentEvent(event="grade", data=_grade_fragment(ctx, db, practice, event.grade))]


def _grade_fragment(ctx: PracticeContext, db: Session, practice: PracticeSession, grade: Grade) -> str:
    """The judge's grade, marked to replace the quick grade beside the trainee's reply."""
    trainee = db.exec(
        select(Turn).where(Turn.session_id == practice.id, Turn.role == "trainee").order_by(col(Turn.position).desc())
    ).first()
    return templates.get_template("_grade_update.html").render(
        trainee_id=trainee.id if trainee else 0,
        grade=grade,
        rubric=session_content(db=db, ctx=ctx, practice=practice)[1],
        open=True,
    )


def _state_fragment(ctx: PracticeContext, session_id: str) -> str:
    """The trust meter and mood, marked for an out-of-band swap when the reply is done."""
    try:
        with Session(get_engine()) as db:
            practice = find_session(db=db, session_id=session_id)
            return templates.get_template("_persona_state.html").render(
                persona=session_content(db=db, ctx=ctx, practice=practice)[0],
                state=state_public(practice.persona_state),
                trust_change=trust_change(list_turns(db=db, session_id=session_id)),
                held_back=coaching_held_back(practice),
                oob=True,
            )
    except Exception:
        log_failure(log, "could not render the peer's state for session %s", session_id)
        return ""
