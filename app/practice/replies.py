"""The peer's reply to a saved trainee turn: claimed in the database by one writer, streamed, then saved.

Whichever request (or worker, or host) claims the pending reply writes it; another request for the
same reply waits for it to be saved and gets the saved text: so a page that lost its stream and
reconnects resumes from what is saved. A claim left by a writer that died goes stale after
`STREAM_WAIT_S` and can be taken over. No database connection is held while the reply is written:
each read and write is a short transaction in a worker thread (`in_session`).
"""

import asyncio
import logging
from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session, col, or_, select, update

from app.content.personas import Persona
from app.db import begin_write, in_session
from app.grading.base import Grade
from app.logsafe import log_failure
from app.models import PracticeSession, Turn, TurnRole, TurnStatus, as_utc, utcnow
from app.persona.base import PersonaState, TurnReading
from app.persona.events import Notice, Piece, Replace, reply_events, revise
from app.practice.context import PracticeContext
from app.practice.judging import judge_in_background, rejudge_lost_grades
from app.practice.scenario import session_content
from app.practice.sessions import as_context, list_turns
from app.transcript import ContextTurn

log = logging.getLogger(__name__)

STREAM_WAIT_S = 30.0
"""A reply claimed this long ago and still not saved has lost its writer: another request may write it."""
POLL_S = 0.2
CUT_OFF = "The peer's reply was cut off. You can carry on with your next message."
UNFINISHED = (TurnStatus.PENDING, TurnStatus.STREAMING)


@dataclass(frozen=True)
class ReplySaved:
    """The peer's reply is saved: complete, or failed with what arrived and the turn's error."""

    turn: Turn


@dataclass(frozen=True)
class GradeSaved:
    """The judge's grade of the trainee's reply, saved over the quick grade."""

    grade: Grade


PeerEvent = Piece | Replace | ReplySaved | GradeSaved


@dataclass(frozen=True)
class ReplyInputs:
    practice: PracticeSession
    persona: Persona
    """In the version the session started with."""
    turn: Turn
    history: list[ContextTurn]
    answers: int | None
    """The id of the trainee turn this reply answers (None for the opening line)."""
    judged: tuple[list[ContextTurn], str] | None
    """What the judge grades: the conversation before that trainee turn, and its words."""


def _reply_inputs(*, db: Session, ctx: PracticeContext, turn_id: int) -> ReplyInputs:
    turn = db.get(Turn, turn_id)
    practice = db.get(PracticeSession, turn.session_id) if turn else None
    if turn is None or practice is None:
        raise LookupError(f"No peer turn {turn_id}.")
    turns = list_turns(db=db, session_id=practice.id)
    answered = next((t for t in turns if t.position == turn.position - 1 and t.role == TurnRole.TRAINEE), None)
    persona, _ = session_content(db=db, ctx=ctx, practice=practice)
    if answered is None:
        return ReplyInputs(practice, persona, turn, as_context(turns), None, None)
    before = as_context([t for t in turns if t.position < answered.position])
    return ReplyInputs(practice, persona, turn, as_context(turns), answered.id, (before, answered.text))


def _claim(*, db: Session, ctx: PracticeContext, turn_id: int) -> tuple[Turn | None, ReplyInputs | None]:
    """Mark the reply as being written by this request, if it is pending or its writer went quiet; with
    the claim, what writing it needs (read in the same short session)."""
    begin_write(db)
    stale = utcnow() - timedelta(seconds=STREAM_WAIT_S)
    claimable = or_(
        col(Turn.status) == TurnStatus.PENDING,
        (col(Turn.status) == TurnStatus.STREAMING) & (col(Turn.updated_at) < stale),
    )
    result = db.exec(
        update(Turn)
        .where(col(Turn.id) == turn_id, claimable)
        .values(status=TurnStatus.STREAMING, updated_at=utcnow())
    )
    db.commit()
    if not result.rowcount:
        return db.get(Turn, turn_id), None
    inputs = _reply_inputs(db=db, ctx=ctx, turn_id=turn_id)
    return inputs.turn, inputs


async def _claim_or_wait(ctx: PracticeContext, turn_id: int) -> tuple[Turn, ReplyInputs | None]:
    """(turn, inputs) once this request may write the reply; (turn, None) when another saved it."""
    while True:
        turn, inputs = await in_session(_claim, ctx=ctx, turn_id=turn_id)
        if turn is None:
            raise LookupError(f"No peer turn {turn_id}.")
        if inputs is not None or turn.status not in UNFINISHED:
            return turn, inputs
        await asyncio.sleep(POLL_S)


def _save_peer_reply(
    *, db: Session, turn: Turn, text: str, state: PersonaState, error: str | None, failed: bool
) -> Turn:
    """Two updates in a short write transaction; returns `turn` (this request's own copy) as saved."""
    turn.text = text.strip()
    turn.status = TurnStatus.FAILED if failed else TurnStatus.COMPLETE
    turn.error = error
    turn.persona_state = state.model_dump()
    turn.updated_at = utcnow()
    begin_write(db)
    written = {"text": turn.text, "status": turn.status, "error": error, "updated_at": turn.updated_at}
    db.exec(update(Turn).where(col(Turn.id) == turn.id).values(persona_state=turn.persona_state, **written))
    db.exec(
        update(PracticeSession)
        .where(col(PracticeSession.id) == turn.session_id)
        .values(persona_state=turn.persona_state)
    )
    db.commit()
    return turn


async def _write_reply(ctx: PracticeContext, inputs: ReplyInputs) -> AsyncIterator[PeerEvent]:
    persona = inputs.persona
    state = PersonaState.model_validate(inputs.practice.persona_state)
    reading = TurnReading.model_validate(inputs.turn.reading)
    events = reply_events(ctx.engine, persona=persona, state=state, reading=reading, history=inputs.history)
    text, error, failed = "", None, False
    try:
        async for event in events:
            if isinstance(event, Notice):
                error = event.message
                continue
            text = revise(text, event)
            yield event
    except Exception:  # what arrived is kept; the session goes on
        log_failure(log, "peer reply failed for turn %s", inputs.turn.id)
        error, failed = CUT_OFF, True
    saved = await in_session(_save_peer_reply, turn=inputs.turn, text=text, state=state, error=error, failed=failed)
    yield ReplySaved(saved)


async def stream_peer_events(*, ctx: PracticeContext, peer_turn_id: int) -> AsyncGenerator[PeerEvent, None]:
    """The peer's reply as it is written (pieces, and a replacement when the engine takes words back),
    then `ReplySaved`; then, when a judge is set, `GradeSaved` once its grade is in. A reply another
    request wrote (or is writing) comes as its saved text."""
    turn, inputs = await _claim_or_wait(ctx, peer_turn_id)
    if inputs is None:  # written elsewhere (or before a dropped stream came back): the saved words, whole
        yield Replace(turn.text)
        yield ReplySaved(turn)
        return
    async for event in _written_and_judged(ctx, inputs):
        yield event


async def _written_and_judged(ctx: PracticeContext, inputs: ReplyInputs) -> AsyncGenerator[PeerEvent, None]:
    judging: asyncio.Task[Grade | None] | None = None
    async for event in _write_reply(ctx, inputs):
        if judging is None:  # once the peer's first words are in: a one-slot local server serves the peer first
            judging = judge_in_background(
                ctx=ctx, rubric_id=inputs.practice.rubric_id, trainee_turn_id=inputs.answers, inputs=inputs.judged
            )
        yield event
    if judging is not None and (grade := await asyncio.shield(judging)) is not None:
        yield GradeSaved(grade)


@dataclass(frozen=True)
class WholeReply:
    """A reply written whole, and the judge's grade of the trainee turn it answers (None without a judge)."""

    turn: Turn
    judged: Grade | None


async def _whole(events: AsyncIterator[PeerEvent]) -> WholeReply:
    saved: Turn | None = None
    judged: Grade | None = None
    async for event in events:
        if isinstance(event, ReplySaved):
            saved = event.turn
        elif isinstance(event, GradeSaved):
            judged = event.grade
    assert saved is not None
    return WholeReply(turn=saved, judged=judged)


async def collect_peer_reply(*, ctx: PracticeContext, peer_turn_id: int) -> Turn:
    """Write the whole reply and wait for the judge's grade too (a reply nobody is writing)."""
    return (await _whole(stream_peer_events(ctx=ctx, peer_turn_id=peer_turn_id))).turn


async def write_claimed_reply(*, ctx: PracticeContext, inputs: ReplyInputs) -> WholeReply:
    """Write the whole of a reply this request claimed when it saved the trainee's turn (the JSON API, plain
    form posts), and wait for the judge's grade too."""
    return await _whole(_written_and_judged(ctx, inputs))


def unfinished_replies(*, db: Session, session_id: str) -> list[Turn]:
    query = select(Turn).where(Turn.session_id == session_id, col(Turn.status).in_(UNFINISHED))
    return list(db.exec(query).all())


async def finish_pending_replies(*, ctx: PracticeContext, session_id: str) -> None:
    """Before a page or transcript is read: write any reply nobody is writing (a page closed before its
    stream began, a worker that died), and redo a judge's grade lost with its worker. A reply being
    written right now is left to its writer (the page streams it)."""
    stale = utcnow() - timedelta(seconds=STREAM_WAIT_S)
    for turn in await in_session(unfinished_replies, session_id=session_id):
        if turn.status == TurnStatus.STREAMING and as_utc(turn.updated_at) >= stale:
            continue
        try:
            await collect_peer_reply(ctx=ctx, peer_turn_id=turn.id or 0)
        except Exception:
            log_failure(log, "could not finish peer turn %s", turn.id)
    await rejudge_lost_grades(ctx=ctx, session_id=session_id)
