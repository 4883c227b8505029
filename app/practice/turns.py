"""One trainee turn: check it, grade it, save it with the peer's new state, then the peer's reply.

One turn at a time per session, across workers and hosts: the turn is saved under the session's row
lock (a conditional update: PostgreSQL's row lock, SQLite's write lock) and only when the last turn
is the peer's finished reply that this request saw. Otherwise the answer is `ReplyInProgress` (409):
nothing is saved, and the trainee's words stay in their message box to send again.
"""

import logging
from dataclasses import dataclass

from sqlmodel import Session, col, func, select, update

from app.content.personas import Persona
from app.db import begin_write, in_session
from app.errors import Conflict
from app.grading.base import Grade
from app.logsafe import log_failure
from app.models import GradeRecord, PracticeSession, SessionStatus, Turn, TurnRole, TurnStatus, User
from app.persona.base import PersonaState, TurnReading
from app.persona.moves import classify_move
from app.persona.state import read_turn
from app.practice.access import writable_session
from app.practice.coaching_moment import coaching_moment
from app.practice.context import PracticeContext
from app.practice.judging import rejudge_lost_grades
from app.practice.limits import check_turn_rate
from app.practice.messages import clean_message
from app.practice.replies import UNFINISHED, ReplyInputs, finish_pending_replies, write_claimed_reply
from app.practice.scenario import session_checklist, session_content, session_level
from app.practice.sessions import SessionEnded, as_context, coaching_held_back, find_session, list_turns

log = logging.getLogger(__name__)

UNGRADED = "This reply could not be graded; the conversation can go on."


class ReplyInProgress(Conflict):
    """Another message of this session is being answered."""

    def __init__(self) -> None:
        super().__init__("The peer is still answering your last message; send this one once the reply is in.")


@dataclass(frozen=True)
class SubmittedTurn:
    """The saved trainee turn with its quick grade, and the peer's reply still to be written."""

    practice: PracticeSession
    trainee_turn: Turn
    grade: Grade | None
    grade_record: GradeRecord | None
    peer_turn: Turn
    claimed: ReplyInputs | None
    """What writing the reply needs, when this request claimed it as it saved the turn (a reply written
    whole); None when the reply is left pending for the chat page's stream to claim."""


@dataclass(frozen=True)
class Seen:
    """The session as it was when the turn was checked: the turn is saved only if nothing came since."""

    practice: PracticeSession
    persona: Persona
    """In the version the session started with."""
    context: list[Turn]
    """Every turn so far; the last is the peer's finished reply."""


def _check_turn(
    *, db: Session, ctx: PracticeContext, session_id: str, trainee: User | None, per_minute: int
) -> Seen:
    practice = find_session(db=db, session_id=session_id)
    return _checked(db, ctx, practice, list_turns(db=db, session_id=session_id), trainee, per_minute)


def _checked(
    db: Session, ctx: PracticeContext, practice: PracticeSession, turns: list[Turn], trainee: User | None,
    per_minute: int,
) -> Seen:
    if practice.status == SessionStatus.ENDED:
        raise SessionEnded("This session has ended; start a new one to keep practising.")
    if trainee is not None:
        check_turn_rate(db=db, user=trainee, per_minute=per_minute)
    last = turns[-1]
    if last.role != TurnRole.PEER or last.status in UNFINISHED:
        raise ReplyInProgress()
    persona, _ = session_content(db=db, ctx=ctx, practice=practice)
    return Seen(practice=practice, persona=persona, context=turns)


def _read(
    db: Session, ctx: PracticeContext, practice: PracticeSession, text: str, grade: Grade | None, last_peer: str
) -> tuple[PersonaState, TurnReading]:
    persona, rubric = session_content(db=db, ctx=ctx, practice=practice)
    scores = grade.scores if grade else dict.fromkeys(rubric.keys, 0)
    state = PersonaState.model_validate(practice.persona_state)
    return read_turn(
        persona=persona,
        rubric=rubric,
        level=session_level(ctx.catalog, persona),
        state=state,
        scores=scores,
        move=classify_move(text),
        text=text,
        last_peer=last_peer,
        checklist=session_checklist(ctx.catalog, rubric),
    )


def _lock_unchanged(db: Session, seen: Seen, state: PersonaState) -> None:
    """Take the session's row lock for this transaction, writing the peer's new state, if the session is
    still active and its last turn is still the one `seen` holds; else refuse, writing nothing."""
    begin_write(db)
    locked = db.exec(
        update(PracticeSession)
        .where(col(PracticeSession.id) == seen.practice.id, col(PracticeSession.status) == SessionStatus.ACTIVE)
        .values(persona_state=state.model_dump())
    )
    if not locked.rowcount:
        db.rollback()
        raise SessionEnded("This session has ended; start a new one to keep practising.")
    # a statement of its own, after the lock: on PostgreSQL it sees a turn another request just committed
    last_position = db.exec(select(func.max(Turn.position)).where(Turn.session_id == seen.practice.id)).one()
    if last_position != seen.context[-1].position:
        db.rollback()
        raise ReplyInProgress()


def _save_turn(
    *, db: Session, ctx: PracticeContext, seen: Seen, text: str, grade: Grade | None, claim: bool
) -> SubmittedTurn:
    """Everything is worked out first; the write transaction (which on SQLite holds the database's one
    write lock) only checks and inserts."""
    last_peer = next((t.text for t in reversed(seen.context) if t.role == TurnRole.PEER and t.text), "")
    state, reading = _read(db, ctx, seen.practice, text, grade, last_peer)
    position = seen.context[-1].position
    trainee_turn = Turn(
        session_id=seen.practice.id, position=position + 1, role=TurnRole.TRAINEE, text=text,
        error=None if grade else UNGRADED,
    )
    peer_turn = Turn(
        session_id=seen.practice.id, position=position + 2, role=TurnRole.PEER,
        status=TurnStatus.STREAMING if claim else TurnStatus.PENDING, reading=reading.model_dump(),
    )
    _lock_unchanged(db, seen, state)
    db.add(trainee_turn)
    db.flush()
    record = None
    if grade is not None:
        record = GradeRecord(
            turn_id=trainee_turn.id,  # type: ignore[arg-type]
            grader=grade.grader,
            scores=grade.scores,
            evidence=grade.evidence,
            coaching=grade.coaching.model_dump(),
        )
        db.add(record)
    db.add(peer_turn)
    db.commit()
    practice = seen.practice
    practice.persona_state = state.model_dump()
    claimed = _claimed_inputs(seen, practice, trainee_turn, peer_turn) if claim else None
    return SubmittedTurn(
        practice=practice, trainee_turn=trainee_turn, grade=grade, grade_record=record, peer_turn=peer_turn,
        claimed=claimed,
    )


def _claimed_inputs(seen: Seen, practice: PracticeSession, trainee_turn: Turn, peer_turn: Turn) -> ReplyInputs:
    """What writing the reply needs, from what this request already holds: no second read."""
    before = as_context(seen.context)
    return ReplyInputs(
        practice=practice,
        persona=seen.persona,
        turn=peer_turn,
        history=[*before, *as_context([trainee_turn])],
        answers=trainee_turn.id,
        judged=(before, trainee_turn.text),
    )


async def _quick_grade(ctx: PracticeContext, seen: Seen, text: str) -> Grade | None:
    """The offline grade, in a worker thread; None (and the turn says so) when grading fails."""
    context = as_context(seen.context)
    try:
        moment = coaching_moment(persona=seen.persona, history=context)
        return await ctx.quick_grade(rubric_id=seen.practice.rubric_id, context=context, reply=text, moment=moment)
    except Exception:  # the trainee's turn is saved; the session goes on without a grade
        log_failure(log, "grading failed for a turn of session %s", seen.practice.id)
        return None


@dataclass(frozen=True)
class TurnTaken:
    """A whole turn: the trainee's saved words, their grade and the peer's reply. In a running assessment
    `grade` and `persona_state` are None (saved, and shown once it ends)."""

    trainee_turn: Turn
    grade: GradeRecord | None
    reply: Turn
    persona_state: dict[str, object] | None


def _judged(*, db: Session, submitted: SubmittedTurn) -> tuple[PracticeSession, GradeRecord | None]:
    """The session and the trainee turn's grade as saved once the judge's grade is in."""
    practice = find_session(db=db, session_id=submitted.practice.id)
    return practice, db.exec(select(GradeRecord).where(GradeRecord.turn_id == submitted.trainee_turn.id)).first()


def _taken(
    practice: PracticeSession, submitted: SubmittedTurn, reply: Turn, grade: GradeRecord | None, viewer: User
) -> TurnTaken:
    if coaching_held_back(practice, viewer):
        return TurnTaken(trainee_turn=submitted.trainee_turn, grade=None, reply=reply, persona_state=None)
    return TurnTaken(trainee_turn=submitted.trainee_turn, grade=grade, reply=reply, persona_state=reply.persona_state)


def _open_turn(*, db: Session, ctx: PracticeContext, user: User, session_id: str, text: str) -> tuple[str, Seen | None]:
    """The trainee's cleaned words and, unless a reply is left to finish first, the checked session:
    one short session for the common case."""
    practice = writable_session(db=db, user=user, session_id=session_id)
    text = clean_message(text, max_chars=ctx.settings.max_message_chars)
    turns = list_turns(db=db, session_id=session_id)
    if any(turn.status in UNFINISHED for turn in turns):
        return text, None
    return text, _checked(db, ctx, practice, turns, user, ctx.settings.turns_per_minute)


async def _graded_and_saved(ctx: PracticeContext, seen: Seen, text: str, *, claim: bool) -> SubmittedTurn:
    grade = await _quick_grade(ctx, seen, text)
    return await in_session(_save_turn, ctx=ctx, seen=seen, text=text, grade=grade, claim=claim)


async def submit_turn(
    *, ctx: PracticeContext, session_id: str, text: str, trainee: User | None = None, claim: bool = False
) -> SubmittedTurn:
    """Check the trainee's words, grade them and save them; the peer's reply is left pending (to stream),
    or, with `claim`, claimed by this request to write whole.

    Refusals: `MessageRejected` (422), `SessionEnded` and `ReplyInProgress` (409), `TooManyTurns` (429)."""
    text = clean_message(text, max_chars=ctx.settings.max_message_chars)
    await finish_pending_replies(ctx=ctx, session_id=session_id)
    per_minute = ctx.settings.turns_per_minute
    seen = await in_session(_check_turn, ctx=ctx, session_id=session_id, trainee=trainee, per_minute=per_minute)
    return await _graded_and_saved(ctx, seen, text, claim=claim)


async def _send(*, ctx: PracticeContext, user: User, session_id: str, text: str, claim: bool) -> SubmittedTurn:
    text, seen = await in_session(_open_turn, ctx=ctx, user=user, session_id=session_id, text=text)
    if seen is None:  # a reply nobody finished (a closed page, a lost worker): written first
        return await submit_turn(ctx=ctx, session_id=session_id, text=text, trainee=user, claim=claim)
    await rejudge_lost_grades(ctx=ctx, session_id=session_id)
    return await _graded_and_saved(ctx, seen, text, claim=claim)


async def send_turn(*, ctx: PracticeContext, user: User, session_id: str, text: str) -> SubmittedTurn:
    """The trainee sends a message in their own session; the reply is left to stream (the chat page).
    In the common case (no reply left unfinished) the checks take one short session."""
    return await _send(ctx=ctx, user=user, session_id=session_id, text=text, claim=False)


async def take_turn(*, ctx: PracticeContext, user: User, session_id: str, text: str) -> TurnTaken:
    """The trainee sends a message and gets the peer's whole reply (the JSON API, plain form posts): the
    reply is claimed as the turn is saved, and written by this request."""
    submitted = await _send(ctx=ctx, user=user, session_id=session_id, text=text, claim=True)
    assert submitted.claimed is not None
    whole = await write_claimed_reply(ctx=ctx, inputs=submitted.claimed)
    practice, grade = submitted.practice, submitted.grade_record  # no judge: the quick grade stands
    if whole.judged is not None:
        practice, grade = await in_session(_judged, submitted=submitted)
    return _taken(practice, submitted, whole.turn, grade, user)
