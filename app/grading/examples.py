"""Labelled trainee replies for a rubric: its examples files plus the rubric's own exemplars."""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.content.rubrics import Rubric
from app.grading.features import ReplyCase
from app.transcript import ContextTurn


@dataclass(frozen=True)
class LabelledCase:
    case: ReplyCase
    labels: dict[str, int]
    source: str


def example_files(content_dir: Path, rubric_id: str) -> list[Path]:
    """`rubrics/<id>/examples/*.jsonl` and `rubrics/<id>/examples.jsonl`, sorted."""
    folder = content_dir / "rubrics" / rubric_id
    files = sorted((folder / "examples").glob("*.jsonl"))
    single = folder / "examples.jsonl"
    return [*files, single] if single.is_file() else files


def parse_example(line: str, keys: list[str], source: str) -> LabelledCase:
    """One JSONL line in the shared examples format; ValueError when it does not fit."""
    data: Any = json.loads(line)
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    reply, labels, context = data.get("reply"), data.get("labels"), data.get("context", [])
    if not isinstance(reply, str) or not reply.strip():
        raise ValueError("missing reply")
    if not isinstance(labels, dict):
        raise ValueError("missing labels")
    clean = {k: v for k, v in labels.items() if k in keys}
    if not clean or any(not isinstance(v, int) or isinstance(v, bool) or not 0 <= v <= 4 for v in clean.values()):
        raise ValueError("labels must be integers 0-4 for the rubric's dimensions")
    turns = [ContextTurn.model_validate(turn) for turn in context]
    return LabelledCase(case=ReplyCase(context=turns, reply=reply), labels=clean, source=source)


def load_labelled(
    content_dir: Path, rubric: Rubric, extra: Sequence[Path] = ()
) -> tuple[list[LabelledCase], int]:
    """Every usable labelled example (first copy of a repeated reply wins), and how many lines were skipped.

    `extra`: more files in the same format, such as supervisors' labels exported from the app."""
    cases: list[LabelledCase] = []
    skipped = 0
    seen: set[tuple[str, str]] = set()
    for path in [*example_files(content_dir, rubric.id), *extra]:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                item = parse_example(line, rubric.keys, f"{path.name}:{number}")
            except ValueError:  # includes JSON and pydantic errors
                skipped += 1
                continue
            signature = (item.case.last_text("peer").strip().lower(), item.case.reply.strip().lower())
            if signature not in seen:
                seen.add(signature)
                cases.append(item)
    return cases + exemplar_cases(rubric), skipped


def exemplar_cases(rubric: Rubric) -> list[LabelledCase]:
    """The rubric's exemplars, each labelled on its own dimension only."""
    return [
        LabelledCase(
            case=ReplyCase(context=[ContextTurn(role="peer", text=ex.peer)], reply=ex.reply),
            labels={dim.key: ex.level},
            source=f"exemplar:{dim.key}",
        )
        for dim in rubric.dimensions
        for ex in dim.exemplars
    ]
