"""The turn pipeline's events with the LLM engine and judge (fault server, real HTTP), as a page sees them."""

import asyncio
import time
from datetime import timedelta

from sqlmodel import Session, select

from app.config import get_settings
from app.models import GradeRecord, Turn, TurnStatus, utcnow
from app.persona.events import Piece, Replace
from app.practice.context import build_context
from app.practice.replies import GradeSaved, PeerEvent, ReplySaved, finish_pending_replies, stream_peer_events
from app.practice.sessions import start_session
from app.practice.turns import submit_turn
from tests.fault_server import DEFAULT_REPLY, FaultServer, cut, hang, says

EMPATHIC = "It sounds like the evenings are hard. What are they like for you?"


def grader_of(db: Session, turn_id: int | None) -> str | None:
    db.expire_all()
    record = db.exec(select(GradeRecord).where(GradeRecord.turn_id == turn_id)).first()
    return record.grader if record else None


async def test_pieces_then_the_saved_reply_then_the_judges_grade(db: Session, fault_llm: FaultServer) -> None:
    ctx = build_context(get_settings())
    practice = start_session(db=db, ctx=ctx, persona_id="dana-alcohol", rubric_id="crss-core")
    submitted = await submit_turn(ctx=ctx, session_id=practice.id, text=EMPATHIC)
    assert submitted.grade is not None and submitted.grade.grader.startswith("offline"), "the quick grade first"
    events: list[PeerEvent] = [
        e async for e in stream_peer_events(ctx=ctx, peer_turn_id=submitted.peer_turn.id or 0)
    ]
    assert all(isinstance(e, Piece) for e in events[:-2]) and len(events) > 5
    assert isinstance(events[-2], ReplySaved) and events[-2].turn.text == DEFAULT_REPLY
    assert isinstance(events[-1], GradeSaved) and events[-1].grade.grader == "llm:judge"
    assert grader_of(db, submitted.trainee_turn.id) == "llm:judge", "the judge's grade replaced the quick one"


async def test_a_rewritten_reply_comes_as_a_replacement_and_only_the_final_text_is_saved(
    db: Session, fault_llm: FaultServer
) -> None:
    ctx = build_context(get_settings())
    practice = start_session(db=db, ctx=ctx, persona_id="dana-alcohol", rubric_id="crss-core")
    submitted = await submit_turn(ctx=ctx, session_id=practice.id, text="Are you a bot?")
    fault_llm.enqueue("peer", says("No. I'm an AI assistant, actually."), says("What? No. I'm Dana."))
    events = [e async for e in stream_peer_events(ctx=ctx, peer_turn_id=submitted.peer_turn.id or 0)]
    assert Replace("") in events
    saved = next(e for e in events if isinstance(e, ReplySaved))
    assert saved.turn.text == "What? No. I'm Dana."


async def test_the_reply_is_saved_before_the_judge_is_done(db: Session, fault_llm: FaultServer) -> None:
    ctx = build_context(get_settings())
    practice = start_session(db=db, ctx=ctx, persona_id="dana-alcohol", rubric_id="crss-core")
    submitted = await submit_turn(ctx=ctx, session_id=practice.id, text=EMPATHIC)
    fault_llm.enqueue("judge", hang(1.5))
    fault_llm.piece_delay_s = 0.01
    started = time.perf_counter()
    pieces: list[str] = []
    async for event in stream_peer_events(ctx=ctx, peer_turn_id=submitted.peer_turn.id or 0):
        if isinstance(event, ReplySaved):
            break
        pieces.append(event.text)
    assert time.perf_counter() - started < 1.2 and "".join(pieces).strip() == DEFAULT_REPLY
    assert len(fault_llm.calls("judge")) == 1, "the judge was asked alongside"
    for _ in range(50):  # it finishes on its own and saves its grade
        await asyncio.sleep(0.1)
        if grader_of(db, submitted.trainee_turn.id) == "llm:judge":
            return
    raise AssertionError("the judge's grade was not saved")


async def test_a_reply_that_breaks_off_is_saved_as_far_as_it_got(db: Session, fault_llm: FaultServer) -> None:
    ctx = build_context(get_settings())
    practice = start_session(db=db, ctx=ctx, persona_id="dana-alcohol", rubric_id="crss-core")
    submitted = await submit_turn(ctx=ctx, session_id=practice.id, text=EMPATHIC)
    fault_llm.enqueue("peer", cut(after=2))
    events = [e async for e in stream_peer_events(ctx=ctx, peer_turn_id=submitted.peer_turn.id or 0)]
    pieces = [e.text for e in events if isinstance(e, Piece)]
    saved = next(e for e in events if isinstance(e, ReplySaved))
    assert saved.turn.status == "failed" and "cut off" in (saved.turn.error or "")
    assert saved.turn.text == "".join(pieces).strip()


async def test_a_judge_grade_lost_with_its_worker_is_redone_on_the_next_read(
    db: Session, fault_llm: FaultServer
) -> None:
    ctx = build_context(get_settings())
    practice = start_session(db=db, ctx=ctx, persona_id="dana-alcohol", rubric_id="crss-core")
    submitted = await submit_turn(ctx=ctx, session_id=practice.id, text=EMPATHIC)
    trainee, peer = db.get(Turn, submitted.trainee_turn.id), db.get(Turn, submitted.peer_turn.id)
    assert trainee is not None and peer is not None
    # The reply was saved, then the worker died before its judge did: only the quick grade is kept.
    peer.text, peer.status = "It's been a lot.", TurnStatus.COMPLETE
    trainee.created_at = utcnow() - timedelta(hours=1)
    db.add_all([peer, trainee])
    db.commit()
    assert grader_of(db, trainee.id) != "llm:judge"
    await finish_pending_replies(ctx=ctx, session_id=practice.id)  # what every read of the session does
    for _ in range(50):
        await asyncio.sleep(0.1)
        if grader_of(db, trainee.id) == "llm:judge":
            return
    raise AssertionError("the lost judge grade was not redone")
