"""`python -m app grade FILE.jsonl`: one JSON line out per line in, in order; bad lines get an error."""

import json
from collections.abc import Iterable
from typing import Any, TextIO

from pydantic import BaseModel, Field, ValidationError

from app.config import Settings
from app.content.catalog import get_catalog
from app.content.loader import describe_validation_error
from app.grading.offline import load_offline_grader
from app.transcript import ContextTurn


class GradeInput(BaseModel):
    id: Any = None
    context: list[ContextTurn] = Field(default_factory=list)
    reply: str = Field(min_length=1)


def _parse(line: str) -> tuple[Any, GradeInput | str]:
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        return None, f"not valid JSON: {exc.msg} at column {exc.colno}"
    if not isinstance(data, dict):
        return None, "expected a JSON object with id, context and reply"
    try:
        return data.get("id"), GradeInput.model_validate(data)
    except ValidationError as exc:
        return data.get("id"), "; ".join(describe_validation_error(exc))


def grade_jsonl(*, settings: Settings, rubric_id: str | None, lines: Iterable[str], out: TextIO) -> int:
    catalog = get_catalog(settings.content_dir)
    entry = catalog.rubrics[rubric_id or settings.default_rubric]
    grader = load_offline_grader(content_dir=settings.content_dir, rubric=entry.item, version=entry.version)
    failed = False
    for line in lines:
        if not line.strip():
            continue
        item_id, parsed = _parse(line)
        if isinstance(parsed, str):
            failed = True
            row: dict[str, Any] = {"id": item_id, "error": parsed}
        else:
            grade = grader.grade_now(context=parsed.context, reply=parsed.reply)
            feedback = {"evidence": grade.evidence, **grade.coaching.model_dump()}
            row = {"id": parsed.id, "scores": grade.scores, "feedback": feedback, "grader": grade.grader}
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
        out.flush()
    return 1 if failed else 0
