"""The LLM judge's grade, written while the peer's reply streams; it replaces the quick grade when it comes.

The judge runs as its own task and saves its grade in a short transaction of its own, so the grade
is saved even when nobody waits for it (a page that only streams the reply). The quick offline grade
stays in place until then. A judge task that died with its worker is redone on the next read
(`rejudge_lost_grades`): a trainee turn still holding the quick grade well after the judge's time
budget is judged again.
"""

import asyncio
import logging
from datetime import timedelta

from sqlmodel import Session, col, select

from app.db import begin_write, in_session
from app.grading.base import Grade
from app.logsafe import log_failure
from app.models import GradeRecord, Turn, TurnRole, as_utc, utcnow
from app.practice.context import PracticeContext
from app.practice.sessions import as_context, find_session, list_turns
from app.transcript import ContextTurn

log = logging.getLogger(__name__)

_running: dict[int, asyncio.Task[Grade | None]] = {}
"""Judge tasks under way in this process, by trainee turn id; held so they are not garbage-collected."""


def save_grade(*, db: Session, turn_id: int, grade: Grade) -> None:
    """Write the grade of a trainee turn, over the one it had."""
    begin_write(db)
    record = db.exec(select(GradeRecord).where(GradeRecord.turn_id == turn_id)).first()
    record = record or GradeRecord(turn_id=turn_id, grader="", scores={}, coaching={})
    record.grader = grade.grader
    record.scores = grade.scores
    record.evidence = grade.evidence
    record.coaching = grade.coaching.model_dump()
    db.add(record)
    db.commit()


def _judge_inputs(*, db: Session, trainee_turn_id: int) -> "JudgeInputs | None":
    trainee = db.get(Turn, trainee_turn_id)
    if trainee is None:
        return None
    turns = list_turns(db=db, session_id=trainee.session_id)
    return as_context([t for t in turns if t.position < trainee.position]), trainee.text


JudgeInputs = tuple[list[ContextTurn], str]
"""The conversation before a trainee's reply, and the reply."""


async def _judge(
    *, ctx: PracticeContext, rubric_id: str, trainee_turn_id: int, inputs: JudgeInputs | None
) -> Grade | None:
    judge = ctx.judge_for(rubric_id)
    try:
        inputs = inputs or await in_session(_judge_inputs, trainee_turn_id=trainee_turn_id)
        if judge is None or inputs is None:
            return None
        grade = await judge.grade(context=inputs[0], reply=inputs[1])
        await in_session(save_grade, turn_id=trainee_turn_id, grade=grade)
    except Exception:  # the quick grade stays; the session goes on
        log_failure(log, "the judge's grade of turn %s was not saved", trainee_turn_id)
        return None
    return grade


def _start(
    *, ctx: PracticeContext, rubric_id: str, trainee_turn_id: int, inputs: JudgeInputs | None = None
) -> asyncio.Task[Grade | None]:
    task = _running.get(trainee_turn_id)
    if task is None:
        task = asyncio.create_task(
            _judge(ctx=ctx, rubric_id=rubric_id, trainee_turn_id=trainee_turn_id, inputs=inputs)
        )
        _running[trainee_turn_id] = task
        task.add_done_callback(lambda _t: _running.pop(trainee_turn_id, None))
    return task


def judge_in_background(
    *, ctx: PracticeContext, rubric_id: str, trainee_turn_id: int | None, inputs: JudgeInputs | None = None
) -> asyncio.Task[Grade | None] | None:
    """The judge's grade of a trainee turn, under way (alongside the peer's reply to it)."""
    if ctx.settings.grader != "llm" or trainee_turn_id is None:
        return None
    return _start(ctx=ctx, rubric_id=rubric_id, trainee_turn_id=trainee_turn_id, inputs=inputs)


def _lost_grades(*, db: Session, session_id: str, quick_grader: str, older_than_s: float) -> list[int]:
    since = utcnow() - timedelta(seconds=older_than_s)
    query = (
        select(Turn.id, Turn.created_at)
        .join(GradeRecord, col(GradeRecord.turn_id) == col(Turn.id))
        .where(Turn.session_id == session_id, Turn.role == TurnRole.TRAINEE, GradeRecord.grader == quick_grader)
    )
    return [turn_id for turn_id, created in db.exec(query).all() if turn_id is not None and as_utc(created) < since]


async def rejudge_lost_grades(*, ctx: PracticeContext, session_id: str) -> None:
    """Judge again the trainee turns whose judge never saved a grade (its worker went away)."""
    if ctx.settings.grader != "llm":
        return
    practice = await in_session(find_session, session_id=session_id)
    settings = ctx.settings
    budget = settings.llm_timeout_s * (settings.llm_retries + 2) + 10
    quick = ctx.grader_for(practice.rubric_id).name
    lost = await in_session(_lost_grades, session_id=session_id, quick_grader=quick, older_than_s=budget)
    for turn_id in lost:
        if turn_id not in _running:
            _start(ctx=ctx, rubric_id=practice.rubric_id, trainee_turn_id=turn_id)
