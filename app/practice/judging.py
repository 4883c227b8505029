"""The LLM judge's grade, written while the peer's reply streams; it replaces the quick grade when it comes.

The judge runs as its own task with its own database session, so its grade is saved even when
nobody waits for it (a page that only streams the reply). The quick offline grade stays in place
until then, and stays for good if the judge task dies with its process.
"""

import asyncio
import logging
from collections.abc import Sequence

from sqlmodel import Session, select

from app.db import engine_for
from app.grading.base import ContextTurn, Grade, Grader
from app.logsafe import log_failure
from app.models import GradeRecord

log = logging.getLogger(__name__)

_running: set[asyncio.Task[Grade | None]] = set()
"""Judge tasks under way; held so they are not garbage-collected before they finish."""


def save_grade(*, db: Session, turn_id: int, grade: Grade) -> None:
    """Write the grade of a trainee turn, over the one it had."""
    record = db.exec(select(GradeRecord).where(GradeRecord.turn_id == turn_id)).first()
    record = record or GradeRecord(turn_id=turn_id, grader="", scores={}, coaching={})
    record.grader = grade.grader
    record.scores = grade.scores
    record.evidence = grade.evidence
    record.coaching = grade.coaching.model_dump()
    db.add(record)
    db.commit()


async def _judge(
    *, judge: Grader, context: Sequence[ContextTurn], reply: str, turn_id: int, database_url: str
) -> Grade | None:
    try:
        grade = await judge.grade(context=context, reply=reply)
        with Session(engine_for(database_url)) as db:
            save_grade(db=db, turn_id=turn_id, grade=grade)
    except Exception:  # the quick grade stays; the session goes on
        log_failure(log, "the judge's grade of turn %s was not saved", turn_id)
        return None
    return grade


def start_judging(
    *, judge: Grader, context: Sequence[ContextTurn], reply: str, turn_id: int, database_url: str
) -> asyncio.Task[Grade | None]:
    """Grade the reply in the background; the task's result is the saved grade (None if none was)."""
    task = asyncio.create_task(
        _judge(judge=judge, context=context, reply=reply, turn_id=turn_id, database_url=database_url)
    )
    _running.add(task)
    task.add_done_callback(_running.discard)
    return task
