"""The LLM judge's prompt and answer: prompts/judge/*.jinja filled from the rubric, and the JSON it returns.

The conversation and the reply travel as JSON data in the user message, never as instructions, so a
reply that asks for a 0 on everything is graded, not obeyed.
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.content.prompts import load_prompt
from app.content.rubrics import Dimension, Exemplar, Rubric
from app.llm import ChatMessage, JsonSchema
from app.transcript import ContextTurn

SYSTEM_TEMPLATE = "judge/system.jinja"
REPLY_TEMPLATE = "judge/reply.jinja"
CONTEXT_TURNS = 8
"""The latest turns before the reply that the judge sees."""


class DimensionVerdict(BaseModel):
    model_config = ConfigDict(extra="forbid")

    evidence: list[str] = Field(description="The reply's own words behind the level")
    reason: str = Field(description="Why this level; what to change when flagged")
    level: Literal[0, 1, 2, 3, 4]


class Verdict(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scores: dict[str, DimensionVerdict]
    worked: list[str]
    better_reply: str
    summary: str


def verdict_schema(keys: Sequence[str]) -> JsonSchema:
    """The JSON schema of a verdict with exactly these dimension keys (strict-mode safe)."""
    scores = {
        "type": "object",
        "properties": {key: {"$ref": "#/$defs/DimensionVerdict"} for key in keys},
        "required": list(keys),
        "additionalProperties": False,
    }
    text = {"type": "string"}
    schema = {
        "type": "object",
        "properties": {
            "scores": scores,
            "worked": {"type": "array", "items": text},
            "better_reply": text,
            "summary": text,
        },
        "required": ["scores", "worked", "better_reply", "summary"],
        "additionalProperties": False,
        "$defs": {"DimensionVerdict": DimensionVerdict.model_json_schema()},
    }
    return JsonSchema(name="verdict", schema=schema)


def parse_verdict(text: str, keys: Sequence[str]) -> Verdict:
    """The verdict in the model's answer; ValueError when it is not one for exactly these keys."""
    verdict = Verdict.model_validate_json(text)
    if set(verdict.scores) != set(keys):
        raise ValueError(f"expected scores for {sorted(keys)}, got {sorted(verdict.scores)}")
    return verdict


@dataclass(frozen=True)
class DimensionGuide:
    dimension: Dimension
    exemplars: list[Exemplar]


def one_per_level(dimension: Dimension) -> list[Exemplar]:
    """The first exemplar at each level, lowest level first."""
    first: dict[int, Exemplar] = {}
    for exemplar in dimension.exemplars:
        first.setdefault(exemplar.level, exemplar)
    return [first[level] for level in sorted(first)]


@dataclass(frozen=True)
class JudgePrompt:
    content_dir: Path
    rubric: Rubric

    def messages(self, *, context: Sequence[ContextTurn], reply: str) -> list[ChatMessage]:
        return [
            ChatMessage(role="system", content=self.system()),
            ChatMessage(role="user", content=self.user(context=context, reply=reply)),
        ]

    def system(self) -> str:
        guides = [DimensionGuide(d, one_per_level(d)) for d in self.rubric.dimensions]
        template = load_prompt(self.content_dir, SYSTEM_TEMPLATE)
        return template.render(rubric=self.rubric, dimensions=guides, keys=self.rubric.keys).strip()

    def user(self, *, context: Sequence[ContextTurn], reply: str) -> str:
        data: dict[str, Any] = {"context": [t.model_dump() for t in context[-CONTEXT_TURNS:]], "reply": reply}
        text = json.dumps(data, ensure_ascii=False, indent=1)
        return load_prompt(self.content_dir, REPLY_TEMPLATE).render(data=text).strip()
