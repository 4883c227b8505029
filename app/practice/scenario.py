"""The persona and rubric a session speaks and grades with: the versions it started with.

A session records the version (hash and text) of its persona and rubric when it starts. While the
catalog holds that same version, it is used; once the file is edited, broken or gone, the saved copy
is, so editing a file changes new sessions only and a session under way never breaks.
"""

from typing import TypeVar

import yaml
from pydantic import ValidationError
from sqlmodel import Session, select

from app.content.catalog import Catalog, Entry
from app.content.difficulty import DifficultyLevel
from app.content.personas import Persona
from app.content.rubrics import ContentFile, CrisisCheck, Rubric
from app.models import ContentVersion, PracticeSession
from app.practice.access import SessionNotFound
from app.practice.context import PracticeContext

NEUTRAL_LEVEL = DifficultyLevel(
    description="Used when a session's difficulty level is no longer defined",
    trust_offset=0,
    gains=1.0,
    losses=1.0,
    test_spacing=3,
    max_gain=8,
)


class ScenarioUnavailable(SessionNotFound):
    """Neither the catalog nor the saved copy holds a usable version of the session's content."""


ItemT = TypeVar("ItemT", bound=ContentFile)

_saved: dict[tuple[str, str, str], ContentFile] = {}
"""Saved copies already read, by kind, id and version: a version's text never changes."""


def _saved_copy(db: Session, kind: str, item_id: str, version: str, model: type[ItemT]) -> ItemT:
    key = (kind, item_id, version)
    if key not in _saved:
        query = select(ContentVersion).where(
            ContentVersion.kind == kind, ContentVersion.item_id == item_id, ContentVersion.version == version
        )
        saved = db.exec(query).first()
        try:
            _saved[key] = model.model_validate(yaml.safe_load(saved.text) if saved else None)
        except (ValidationError, yaml.YAMLError) as exc:
            raise ScenarioUnavailable(
                f"The {kind} '{item_id}' of this session is invalid now; fix it on the staff page."
            ) from exc
    found = _saved[key]
    assert isinstance(found, model)
    return found


def _current(entry: Entry[ItemT] | None, version: str) -> ItemT | None:
    return entry.item if entry is not None and entry.version == version else None


def session_content(*, db: Session, ctx: PracticeContext, practice: PracticeSession) -> tuple[Persona, Rubric]:
    """The session's persona and rubric, in the versions it started with."""
    catalog = ctx.catalog
    persona = _current(catalog.personas.get(practice.persona_id), practice.persona_version)
    rubric = _current(catalog.rubrics.get(practice.rubric_id), practice.rubric_version)
    return (
        persona or _saved_copy(db, "persona", practice.persona_id, practice.persona_version, Persona),
        rubric or _saved_copy(db, "rubric", practice.rubric_id, practice.rubric_version, Rubric),
    )


def session_level(catalog: Catalog, persona: Persona) -> DifficultyLevel:
    """The persona's difficulty level; a neutral one if the difficulty file no longer defines it."""
    return catalog.difficulty.get(persona.difficulty, NEUTRAL_LEVEL)


def session_checklist(catalog: Catalog, rubric: Rubric) -> list[CrisisCheck]:
    return rubric.crisis_checklist or catalog.crisis_checklist(rubric.id)
