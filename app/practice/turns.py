"""One trainee turn: save it first, grade it, move the peer's state, then stream the peer's reply.

While the reply streams, the LLM judge (when one is set) grades the trainee's words in parallel;
its grade replaces the quick one when it comes. See `stream_peer_events`."""

import asyncio
import logging
from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import dataclass

from sqlmodel import Session, col, select, update

from app.grading.base import ContextTurn, Grade
from app.logsafe import log_failure
from app.models import GradeRecord, PracticeSession, Turn, utcnow
from app.persona.base import PersonaState, TurnReading
from app.persona.events import Notice, Piece, Replace, reply_events, revise
from app.persona.moves import classify_move
from app.persona.state import read_turn
from app.practice.context import PracticeContext
from app.practice.judging import start_judging
from app.practice.messages import clean_message
from app.practice.sessions import SessionEnded, list_turns

log = logging.getLogger(__name__)

STREAM_WAIT_S = 30.0


@dataclass
class SubmittedTurn:
    trainee_turn: Turn
    grade: Grade | None
    peer_turn: Turn


def as_context(turns: list[Turn]) -> list[ContextTurn]:
    return [
        ContextTurn(role="trainee" if t.role == "trainee" else "peer", text=t.text)
        for t in turns
        if t.status == "complete"
    ]


def _save_trainee_turn(*, db: Session, practice: PracticeSession, text: str, position: int) -> Turn:
    turn = Turn(session_id=practice.id, position=position, role="trainee", text=text)
    db.add(turn)
    db.commit()
    db.refresh(turn)
    return turn


async def _quick_grade(
    *, db: Session, ctx: PracticeContext, practice: PracticeSession, turn: Turn, context: list[ContextTurn]
) -> Grade | None:
    try:
        grade = await ctx.grader_for(practice.rubric_id).grade(context=context, reply=turn.text)
    except Exception:  # the trainee's turn is saved; the session goes on without a grade
        log_failure(log, "grading failed for turn %s", turn.id)
        turn.error = "This reply could not be graded; the conversation can go on."
        db.add(turn)
        return None
    db.add(
        GradeRecord(
            turn_id=turn.id,  # type: ignore[arg-type]
            grader=grade.grader,
            scores=grade.scores,
            evidence=grade.evidence,
            coaching=grade.coaching.model_dump(),
        )
    )
    return grade


def _read(
    ctx: PracticeContext, practice: PracticeSession, text: str, grade: Grade | None, last_peer: str
) -> tuple[PersonaState, TurnReading]:
    persona = ctx.catalog.persona(practice.persona_id)
    rubric = ctx.catalog.rubric(practice.rubric_id)
    scores = grade.scores if grade else dict.fromkeys(rubric.keys, 0)
    state = PersonaState.model_validate(practice.persona_state)
    level = ctx.catalog.level(practice.persona_id)
    move = classify_move(text)
    return read_turn(
        persona=persona,
        rubric=rubric,
        level=level,
        state=state,
        scores=scores,
        move=move,
        text=text,
        last_peer=last_peer,
        checklist=ctx.catalog.crisis_checklist(practice.rubric_id),
    )


async def submit_turn(*, db: Session, ctx: PracticeContext, practice: PracticeSession, text: str) -> SubmittedTurn:
    """Save the trainee's words, grade them, and queue the peer's reply (streamed separately)."""
    if practice.status == "ended":
        raise SessionEnded("This session has ended; start a new one to keep practising.")
    text = clean_message(text, max_chars=ctx.settings.max_message_chars)
    await finish_pending_replies(db=db, ctx=ctx, practice=practice)
    turns = list_turns(db=db, session_id=practice.id)
    trainee_turn = _save_trainee_turn(db=db, practice=practice, text=text, position=len(turns))
    grade = await _quick_grade(db=db, ctx=ctx, practice=practice, turn=trainee_turn, context=as_context(turns))
    last_peer = next((t.text for t in reversed(turns) if t.role == "peer" and t.status == "complete"), "")
    state, reading = _read(ctx, practice, text, grade, last_peer)
    practice.persona_state = state.model_dump()
    peer_turn = Turn(
        session_id=practice.id, position=len(turns) + 1, role="peer", status="pending", reading=reading.model_dump()
    )
    db.add_all([practice, peer_turn])
    db.commit()
    db.refresh(trainee_turn)
    db.refresh(peer_turn)
    return SubmittedTurn(trainee_turn=trainee_turn, grade=grade, peer_turn=peer_turn)


def _claim(*, db: Session, turn: Turn) -> bool:
    """Mark a pending reply as being streamed; only one request wins, whichever worker it is on."""
    result = db.exec(
        update(Turn)
        .where(col(Turn.id) == turn.id, col(Turn.status) == "pending")
        .values(status="streaming", updated_at=utcnow())
    )
    db.commit()
    db.refresh(turn)
    return bool(result.rowcount)


async def _await_other_stream(*, db: Session, turn: Turn) -> None:
    waited = 0.0
    while turn.status == "streaming" and waited < STREAM_WAIT_S:
        await asyncio.sleep(0.2)
        waited += 0.2
        db.refresh(turn)
    if turn.status == "streaming":  # its worker went away: let this request write the reply
        turn.status = "pending"
        db.add(turn)
        db.commit()


@dataclass(frozen=True)
class ReplySaved:
    """The peer's reply is saved: complete, or failed with what arrived and the turn's error."""

    turn: Turn


@dataclass(frozen=True)
class GradeSaved:
    """The judge's grade of the trainee's reply, saved over the quick grade."""

    grade: Grade


PeerEvent = Piece | Replace | ReplySaved | GradeSaved

CUT_OFF = "The peer's reply was cut off. You can carry on with your next message."


async def _claimed(*, db: Session, turn: Turn) -> bool:
    """Claim the reply for this request, waiting out another request that is writing it."""
    if _claim(db=db, turn=turn):
        return True
    await _await_other_stream(db=db, turn=turn)
    return turn.status == "pending" and _claim(db=db, turn=turn)


def _start_judge(
    *, db: Session, ctx: PracticeContext, practice: PracticeSession, peer_turn: Turn
) -> asyncio.Task[Grade | None] | None:
    """The judge's grade of the trainee turn this reply answers, under way alongside the reply."""
    judge = ctx.judge_for(practice.rubric_id)
    if judge is None:
        return None
    turns = list_turns(db=db, session_id=practice.id)
    trainee = next((t for t in turns if t.position == peer_turn.position - 1 and t.role == "trainee"), None)
    if trainee is None or trainee.id is None:
        return None
    context = as_context([t for t in turns if t.position < trainee.position])
    url = ctx.settings.database_url
    return start_judging(judge=judge, context=context, reply=trainee.text, turn_id=trainee.id, database_url=url)


async def stream_peer_events(
    *, db: Session, ctx: PracticeContext, practice: PracticeSession, peer_turn: Turn
) -> AsyncGenerator[PeerEvent, None]:
    """The peer's reply as it is written (pieces, and a replacement when the engine takes words back),
    then `ReplySaved`; then, when a judge is set, `GradeSaved` once its grade is in."""
    if not await _claimed(db=db, turn=peer_turn):
        if peer_turn.text:
            yield Piece(peer_turn.text)
        yield ReplySaved(peer_turn)
        return
    judging: asyncio.Task[Grade | None] | None = None
    started = False
    async for event in _write_reply(db=db, ctx=ctx, practice=practice, peer_turn=peer_turn):
        if not started:  # once the peer's first words are in: a one-slot local server serves the peer first
            judging, started = _start_judge(db=db, ctx=ctx, practice=practice, peer_turn=peer_turn), True
        yield event
    if judging is not None and (grade := await asyncio.shield(judging)) is not None:
        yield GradeSaved(grade)


async def _write_reply(
    *, db: Session, ctx: PracticeContext, practice: PracticeSession, peer_turn: Turn
) -> AsyncIterator[PeerEvent]:
    persona = ctx.catalog.persona(practice.persona_id)
    state = PersonaState.model_validate(practice.persona_state)
    reading = TurnReading.model_validate(peer_turn.reading)
    history = as_context(list_turns(db=db, session_id=practice.id))
    events = reply_events(ctx.engine, persona=persona, state=state, reading=reading, history=history)
    text, error = "", None
    try:
        async for event in events:
            if isinstance(event, Notice):
                error = event.message
                continue
            text = revise(text, event)
            yield event
    except Exception:  # what arrived is kept; the session goes on
        log_failure(log, "peer reply failed for turn %s", peer_turn.id)
        _save_peer_reply(db=db, practice=practice, turn=peer_turn, text=text, state=state, error=CUT_OFF, failed=True)
    else:
        _save_peer_reply(db=db, practice=practice, turn=peer_turn, text=text, state=state, error=error, failed=False)
    yield ReplySaved(peer_turn)


def _save_peer_reply(
    *,
    db: Session,
    practice: PracticeSession,
    turn: Turn,
    text: str,
    state: PersonaState,
    error: str | None,
    failed: bool,
) -> None:
    turn.text = text.strip()
    turn.status = "failed" if failed else "complete"
    turn.error = error
    turn.persona_state = state.model_dump()
    turn.updated_at = utcnow()
    practice.persona_state = state.model_dump()
    db.add_all([turn, practice])
    db.commit()


async def collect_peer_reply(*, db: Session, ctx: PracticeContext, practice: PracticeSession, peer_turn: Turn) -> Turn:
    """Write the whole reply and wait for the judge's grade too (for the JSON API and plain form posts)."""
    async for _ in stream_peer_events(db=db, ctx=ctx, practice=practice, peer_turn=peer_turn):
        pass
    db.refresh(peer_turn)
    return peer_turn


async def finish_pending_replies(*, db: Session, ctx: PracticeContext, practice: PracticeSession) -> None:
    """Write any peer reply that nobody streamed (a page closed mid-reply, a plain form POST)."""
    query = select(Turn).where(Turn.session_id == practice.id, col(Turn.status).in_(["pending", "streaming"]))
    for turn in db.exec(query).all():
        try:
            await collect_peer_reply(db=db, ctx=ctx, practice=practice, peer_turn=turn)
        except Exception:
            log_failure(log, "could not finish peer turn %s", turn.id)
