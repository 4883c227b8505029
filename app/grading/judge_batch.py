"""`python -m app grade --grader llm FILE.jsonl`: the batch contract of `app.grading.batch`, graded by the LLM judge.

Lines are graded a few at a time (the endpoint does the work) and written in input order. A line the
judge cannot grade gets the offline grade, and its "grader" says so.
"""

import asyncio
import json
from collections.abc import Iterable, Sequence
from typing import Any, TextIO

from app.config import Settings
from app.content.catalog import get_catalog
from app.grading.base import Grade, Grader
from app.grading.batch import GradeInput, _parse
from app.grading.judge import build_judge
from app.grading.offline import load_offline_grader
from app.llm import connection_pool

CONCURRENCY = 4
"""Lines graded at once: enough to keep a hosted endpoint busy, few enough to stay under rate limits."""


def _row(parsed: GradeInput, grade: Grade) -> dict[str, Any]:
    feedback = {"evidence": grade.evidence, **grade.coaching.model_dump()}
    return {"id": parsed.id, "scores": grade.scores, "feedback": feedback, "grader": grade.grader}


async def _rows(judge: Grader, window: Sequence[tuple[Any, GradeInput | str]]) -> list[dict[str, Any]]:
    async def row(item_id: Any, parsed: GradeInput | str) -> dict[str, Any]:
        if isinstance(parsed, str):
            return {"id": item_id, "error": parsed}
        return _row(parsed, await judge.grade(context=parsed.context, reply=parsed.reply))

    return list(await asyncio.gather(*(row(item_id, parsed) for item_id, parsed in window)))


async def _judge_lines(judge: Grader, lines: Iterable[str], out: TextIO) -> bool:
    parsed = [_parse(line) for line in lines if line.strip()]
    failed = False
    async with connection_pool():
        for start in range(0, len(parsed), CONCURRENCY):
            for row in await _rows(judge, parsed[start : start + CONCURRENCY]):
                failed = failed or "error" in row
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
                out.flush()
    return failed


def judge_jsonl(*, settings: Settings, rubric_id: str | None, lines: Iterable[str], out: TextIO) -> int:
    entry = get_catalog(settings.content_dir).rubrics[rubric_id or settings.default_rubric]
    fallback = load_offline_grader(content_dir=settings.content_dir, rubric=entry.item, version=entry.version)
    judge = build_judge(settings, rubric=entry.item, fallback=fallback)
    return 1 if asyncio.run(_judge_lines(judge, lines, out)) else 0
