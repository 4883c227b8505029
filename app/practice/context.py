"""What the practice loop needs from the outside: content, a grader, a persona engine."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends

from app.config import Settings, get_settings
from app.content.catalog import Catalog, get_catalog
from app.grading.base import Grader
from app.grading.offline import load_offline_grader
from app.persona.base import PersonaEngine
from app.persona.scripted import ScriptedEngine


@dataclass(frozen=True)
class PracticeContext:
    settings: Settings
    catalog: Catalog
    engine: PersonaEngine

    def grader_for(self, rubric_id: str) -> Grader:
        entry = self.catalog.rubrics[rubric_id]
        return load_offline_grader(content_dir=self.settings.content_dir, rubric=entry.item, version=entry.version)


def build_context(settings: Settings) -> PracticeContext:
    return PracticeContext(
        settings=settings,
        catalog=get_catalog(settings.content_dir),
        engine=ScriptedEngine(delay_s=settings.stream_delay_ms / 1000),
    )


def get_practice_context(settings: Annotated[Settings, Depends(get_settings)]) -> PracticeContext:
    return build_context(settings)


PracticeDep = Annotated[PracticeContext, Depends(get_practice_context)]
