"""A session's persona and rubric: from the catalog, or, when a file there is broken or gone, from the
copy saved when the session started, so old sessions can still be replayed and reviewed."""

from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError
from sqlmodel import Session, select

from app.content.personas import Persona
from app.content.rubrics import Rubric
from app.errors import NotFound
from app.models import ContentVersion, PracticeSession
from app.practice.context import PracticeContext

ModelT = TypeVar("ModelT", bound=BaseModel)


def _saved_copy(db: Session, kind: str, item_id: str, version: str, model: type[ModelT]) -> ModelT:
    query = select(ContentVersion).where(
        ContentVersion.kind == kind, ContentVersion.item_id == item_id, ContentVersion.version == version
    )
    saved = db.exec(query).first()
    try:
        return model.model_validate(yaml.safe_load(saved.text) if saved else None)
    except (ValidationError, yaml.YAMLError) as exc:
        raise NotFound(f"The {kind} '{item_id}' of this session is invalid now; fix it on the staff page.") from exc


def session_content(*, db: Session, ctx: PracticeContext, practice: PracticeSession) -> tuple[Persona, Rubric]:
    catalog = ctx.catalog
    persona = catalog.personas.get(practice.persona_id)
    rubric = catalog.rubrics.get(practice.rubric_id)
    return (
        persona.item if persona else _saved_copy(db, "persona", practice.persona_id, practice.persona_version, Persona),
        rubric.item if rubric else _saved_copy(db, "rubric", practice.rubric_id, practice.rubric_version, Rubric),
    )
