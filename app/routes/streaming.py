"""The peer's reply as server-sent events, for the chat page's htmx SSE extension."""

import asyncio
import logging
from collections.abc import AsyncIterator

from markupsafe import escape
from sqlmodel import Session, col, select
from sse_starlette import ServerSentEvent

from app.db import in_session
from app.grading.base import Grade
from app.logsafe import log_failure
from app.models import Turn, TurnRole, TurnStatus
from app.persona.events import Piece, Replace
from app.practice.context import PracticeContext
from app.practice.replies import PeerEvent, ReplySaved, stream_peer_events
from app.practice.scenario import session_content
from app.practice.sessions import coaching_held_back, find_session, list_turns
from app.routes.presenters import state_public
from app.routes.views import trust_change
from app.templating import templates

log = logging.getLogger(__name__)

PEER_ERROR = "Sorry, the peer's reply was cut off. You can carry on with your next message."

_writers: set[asyncio.Task[None]] = set()
"""Replies being written; held here so a closed page does not stop (or garbage-collect) them."""


async def peer_events(*, ctx: PracticeContext, session_id: str, turn_id: int) -> AsyncIterator[ServerSentEvent]:
    """Events: "token" per piece and "replace" when the peer takes words back, or when a stream that
    came back after a dropped connection gets the saved words (both HTML-escaped); "reply-done" with the
    peer's new state; "peer-error" or "peer-notice" when something went wrong; "grade" when an LLM
    judge's grade replaces the quick one (never during an assessment); then "done".

    The reply is written by its own task, so it is finished and saved even when the page goes away
    mid-stream; no database connection is held while it is written. ("error" is not used as an event
    name: EventSource fires its own "error" for a lost connection, and the SSE extension logs it.)
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
        async for event in stream_peer_events(ctx=ctx, peer_turn_id=turn_id):
            for message in await _as_messages(ctx, session_id, event):
                queue.put_nowait(message)
    except Exception:
        log_failure(log, "streaming peer turn %s failed", turn_id)
        queue.put_nowait(ServerSentEvent(event="peer-error", data=str(escape(PEER_ERROR))))
        queue.put_nowait(await _reply_done(ctx, session_id))
    queue.put_nowait(ServerSentEvent(event="done", data=""))
    queue.put_nowait(None)


async def _as_messages(ctx: PracticeContext, session_id: str, event: PeerEvent) -> list[ServerSentEvent]:
    if isinstance(event, Piece):
        return [ServerSentEvent(event="token", data=str(escape(event.text)))]
    if isinstance(event, Replace):
        return [ServerSentEvent(event="replace", data=str(escape(event.text)))]
    if isinstance(event, ReplySaved):
        messages = [await _reply_done(ctx, session_id)]
        if event.turn.error:
            kind = "peer-error" if event.turn.status == TurnStatus.FAILED else "peer-notice"
            messages.insert(0, ServerSentEvent(event=kind, data=str(escape(event.turn.error))))
        return messages
    fragment = await in_session(_grade_fragment, ctx=ctx, session_id=session_id, grade=event.grade)
    return [ServerSentEvent(event="grade", data=fragment)] if fragment else []


async def _reply_done(ctx: PracticeContext, session_id: str) -> ServerSentEvent:
    return ServerSentEvent(event="reply-done", data=await in_session(_state_fragment, ctx=ctx, session_id=session_id))


def _grade_fragment(*, db: Session, ctx: PracticeContext, session_id: str, grade: Grade) -> str:
    """The judge's grade, marked to replace the quick grade beside the trainee's reply ("" while held back)."""
    practice = find_session(db=db, session_id=session_id)
    if coaching_held_back(practice):
        return ""
    trainee = db.exec(
        select(Turn)
        .where(Turn.session_id == practice.id, Turn.role == TurnRole.TRAINEE)
        .order_by(col(Turn.position).desc())
    ).first()
    return templates.get_template("_grade_update.html").render(
        trainee_id=trainee.id if trainee else 0,
        grade=grade,
        rubric=session_content(db=db, ctx=ctx, practice=practice)[1],
        open=True,
    )


def _state_fragment(*, db: Session, ctx: PracticeContext, session_id: str) -> str:
    """The trust meter and mood, marked for an out-of-band swap when the reply is done (a note instead,
    while an assessment holds them back)."""
    try:
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
