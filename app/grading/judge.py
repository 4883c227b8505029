"""The LLM judge: grades a reply on every rubric dimension through a model, with the offline grade to fall back on.

The model answers in JSON that follows a schema; the answer is validated, retried when it is not
valid (app.llm retries rate limits, server errors and timeouts too), and when the model still
cannot grade, the offline grader's grade is used and its `grader` says so:
"offline (judge: timed out)". A judge grade says "llm:<model>".

The judge's better reply must pass the checks of the offline one (see better_reply.py): when it
names someone from outside the conversation, carries a crisis script outside a crisis, or the
offline grader flags it, the offline grader's better reply for the same moment replaces it.
"""

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from app.config import Settings
from app.content.rubrics import Dimension, Rubric
from app.grading.base import Coaching, CoachingPoint, Grade
from app.grading.judge_prompt import JudgePrompt, Verdict, parse_verdict, verdict_schema
from app.grading.moment import CoachingMoment
from app.grading.offline import OfflineGrader
from app.llm import ChatModel, Endpoint, LlmError, OpenAIChatModel
from app.transcript import ContextTurn

log = logging.getLogger(__name__)

GRADER_LABEL_CHARS = 32
"""The longest grader name the grades table holds."""

NOTHING_NAMED = "You kept the conversation going."
"""What worked, when the judge named nothing (coaching always starts with something that worked)."""


@dataclass(frozen=True)
class JudgeModel:
    name: str
    max_tokens: int


def judge_label(model: str) -> str:
    return f"llm:{model}"[:GRADER_LABEL_CHARS]


def fallback_label(reason: str) -> str:
    return f"offline (judge: {reason})"[:GRADER_LABEL_CHARS]


def _quoted(evidence: list[str], reply: str) -> list[str]:
    """The judge's quotes that really are in the reply (a model may paraphrase or invent)."""
    lowered = reply.lower()
    return [quote.strip() for quote in evidence if quote.strip() and quote.strip().lower() in lowered]


def _needs_point(dimension: Dimension, level: int, any_flagged: bool) -> bool:
    """Flagged risks get a coaching point; weak skills too, when no risk is flagged."""
    if dimension.kind == "risk":
        return level >= 2
    return level < 2 and not any_flagged


def verdict_grade(verdict: Verdict, *, rubric: Rubric, reply: str, grader: str) -> Grade:
    scores = {key: verdict.scores[key].level for key in rubric.keys}
    quotes = {key: _quoted(verdict.scores[key].evidence, reply) for key in rubric.keys if scores[key]}
    evidence = {key: found for key, found in quotes.items() if found}
    flagged = any(d.kind == "risk" and scores[d.key] >= 2 for d in rubric.dimensions)
    points = [
        CoachingPoint(
            dimension=d.key,
            name=d.name,
            level=scores[d.key],
            evidence=evidence.get(d.key, []),
            what_to_change=verdict.scores[d.key].reason.strip(),
            principle=" ".join(d.principle.split()),
            why_now=" ".join(d.why_it_matters.split()),
            better_reply=verdict.better_reply.strip(),
        )
        for d in rubric.dimensions
        if _needs_point(d, scores[d.key], flagged)
    ]
    worked = [item.strip() for item in verdict.worked if item.strip()] or [NOTHING_NAMED]
    coaching = Coaching(worked=worked, points=points, summary=verdict.summary.strip())
    return Grade(scores=scores, evidence=evidence, coaching=coaching, grader=grader)


class LlmJudge:
    """A Grader: the model's grade when it gives a valid one, else the fallback grader's, labelled."""

    def __init__(
        self, *, rubric: Rubric, llm: ChatModel, model: JudgeModel, prompt: JudgePrompt, fallback: OfflineGrader
    ):
        self.rubric = rubric
        self.llm = llm
        self.model = model
        self.prompt = prompt
        self.fallback = fallback
        self.name = judge_label(model.name)
        self.schema = verdict_schema(rubric.keys)

    async def grade(
        self, *, context: Sequence[ContextTurn], reply: str, moment: CoachingMoment | None = None
    ) -> Grade:
        try:
            verdict = await self.llm.json_chat(
                model=self.model.name,
                messages=self.prompt.messages(context=context, reply=reply),
                schema=self.schema,
                parse=lambda text: parse_verdict(text, self.rubric.keys),
                max_tokens=self.model.max_tokens,
            )
        except LlmError as exc:
            log.warning("judge could not grade (%s): using the offline grade", exc.reason)
            grade = await self.fallback.grade(context=context, reply=reply, moment=moment)
            return grade.model_copy(update={"grader": fallback_label(exc.reason)})
        grade = verdict_grade(verdict, rubric=self.rubric, reply=reply, grader=self.name)
        return await asyncio.to_thread(self._checked, grade, context, reply, moment)

    def _checked(
        self, grade: Grade, context: Sequence[ContextTurn], reply: str, moment: CoachingMoment | None
    ) -> Grade:
        """The grade, with its better reply replaced by the offline one when it fails a check."""
        better = next((p.better_reply for p in grade.coaching.points if p.better_reply), "")
        moment = moment or CoachingMoment.from_context(context)
        if not better or self.fallback.better.acceptable(better, moment, context):
            return grade
        log.info("the judge's better reply failed a check: using the offline one")
        offline = self.fallback.grade_now(context=context, reply=reply, moment=moment)
        replacement = next((p.better_reply for p in offline.coaching.points if p.better_reply), "")
        points = [p.model_copy(update={"better_reply": replacement}) for p in grade.coaching.points]
        return grade.model_copy(update={"coaching": grade.coaching.model_copy(update={"points": points})})


def build_judge(settings: Settings, *, rubric: Rubric, fallback: OfflineGrader) -> LlmJudge:
    """The judge PEER_JUDGE_MODEL makes at PEER_LLM_BASE_URL, falling back on `fallback`."""
    return LlmJudge(
        rubric=rubric,
        llm=OpenAIChatModel(Endpoint.from_settings(settings)),
        model=JudgeModel(name=settings.judge_model, max_tokens=settings.judge_max_tokens),
        prompt=JudgePrompt(content_dir=settings.content_dir, rubric=rubric),
        fallback=fallback,
    )
