"""What the practice loop needs from the outside: content, graders, a persona engine (offline or LLM)."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends

from app.config import Settings, get_settings
from app.content.catalog import Catalog
from app.grading.base import Grade, Grader
from app.grading.judge import build_judge
from app.grading.moment import CoachingMoment
from app.grading.offline import OfflineGrader, load_offline_grader
from app.grading.service import running_grading_service
from app.llm import Endpoint, OpenAIChatModel
from app.persona.base import PersonaEngine
from app.persona.llm_engine import LlmPersonaEngine, PersonaModel
from app.persona.llm_prompt import PersonaPrompt
from app.persona.scripted import ScriptedEngine
from app.transcript import ContextTurn
from app.validation.catalog import checked_catalog


@dataclass(frozen=True)
class PracticeContext:
    settings: Settings
    catalog: Catalog
    engine: PersonaEngine

    def grader_for(self, rubric_id: str) -> OfflineGrader:
        """The quick grader: offline, milliseconds; its grade drives the persona's state."""
        entry = self.catalog.rubrics[rubric_id]
        return load_offline_grader(content_dir=self.settings.content_dir, rubric=entry.item, version=entry.version)

    async def quick_grade(
        self, *, rubric_id: str, context: Sequence[ContextTurn], reply: str, moment: CoachingMoment | None
    ) -> Grade:
        """The quick grade of a reply: in a grading process when this process runs them, else in a thread."""
        service = running_grading_service()
        if service is not None:
            return await service.grade(rubric_id=rubric_id, context=context, reply=reply, moment=moment)
        return await self.grader_for(rubric_id).grade(context=context, reply=reply, moment=moment)

    def judge_for(self, rubric_id: str) -> Grader | None:
        """The LLM judge, when PEER_GRADER=llm: it grades alongside the peer's reply and its grade is kept."""
        if self.settings.grader != "llm":
            return None
        rubric = self.catalog.rubric(rubric_id)
        return build_judge(self.settings, rubric=rubric, fallback=self.grader_for(rubric_id))


def build_engine(settings: Settings) -> PersonaEngine:
    scripted = ScriptedEngine(delay_s=settings.stream_delay_ms / 1000)
    if settings.engine == "offline":
        return scripted
    return LlmPersonaEngine(
        llm=OpenAIChatModel(Endpoint.from_settings(settings)),
        model=PersonaModel(
            name=settings.persona_model,
            max_tokens=settings.persona_max_tokens,
            temperature=settings.persona_temperature,
        ),
        prompt=PersonaPrompt(settings.content_dir),
        fallback=ScriptedEngine(),
    )


def build_context(settings: Settings) -> PracticeContext:
    catalog = checked_catalog(settings.content_dir)
    return PracticeContext(settings=settings, catalog=catalog, engine=build_engine(settings))


def warm_up(settings: Settings) -> None:
    """Load the content and every rubric's offline grader (embedding model, classifier) before the first
    request, so the first trainees of a class do not wait for them, all loading them at once."""
    ctx = build_context(settings)
    for rubric_id in ctx.catalog.rubrics:
        ctx.grader_for(rubric_id)


def get_practice_context(settings: Annotated[Settings, Depends(get_settings)]) -> PracticeContext:
    return build_context(settings)


PracticeDep = Annotated[PracticeContext, Depends(get_practice_context)]
