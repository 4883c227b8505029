"""The peer's reply as server-sent events, for the chat page's htmx SSE extension."""

import asyncio
import logging
from collections.abc import AsyncIterator

from markupsafe import escape
from sqlmodel import Session
from sse_starlette import ServerSentEvent

from app.db import get_engine
from app.models import Turn
from app.practice.context import PracticeContext
from app.practice.sessions import coaching_held_back, find_session, list_turns
from app.practice.turns import stream_peer_reply
from app.routes.presenters import state_public
from app.routes.views import trust_change
from app.templating import templates

log = logging.getLogger(__name__)

PEER_ERROR = "Sorry, the peer's reply was cut off. You can carry on with your next message."

_writers: set[asyncio.Task[None]] = set()
"""Replies being written; held here so a closed page does not stop (or garbage-collect) them."""


async def peer_events(*, ctx: PracticeContext, session_id: str, turn_id: int) -> AsyncIterator[ServerSentEvent]:
    """Events: "token" per piece (HTML-escaped), "peer-error" if the reply fails, then "done".

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
            return templates.get_template("_persona_state.html").render(
                persona=ctx.catalog.persona(practice.persona_id),
                state=state_public(practice.persona_state),
                trust_change=trust_change(list_turns(db=db, session_id=session_id)),
                held_back=coaching_held_back(practice),
                oob=True,
            )
    except Exception:
        log.exception("could not render the peer's state for session %s", session_id)
        return ""
