"""The catalog: every persona and rubric in the content folder, re-read when a file changes.

Checks that need the persona engine (a dry run, the lines it can reach) live a layer up, in
`app.validation`, and are handed in as `check`; the catalog itself checks only what a file says.
"""

import contextlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Generic, TypeVar

from app.content.difficulty import DIFFICULTY_FILE, DifficultyLevel, load_levels
from app.content.loader import ContentError, content_hash, load_model
from app.content.personas import Persona
from app.content.reaction_kinds import REACTION_KINDS_FILE, ReactionKinds, load_reaction_kinds
from app.content.rubric_checks import trigger_problems
from app.content.rubrics import ContentFile, CrisisCheck, Rubric

ItemT = TypeVar("ItemT", bound=ContentFile)


@dataclass(frozen=True)
class Entry(Generic[ItemT]):
    item: ItemT
    path: Path
    version: str


@dataclass
class Catalog:
    personas: dict[str, Entry[Persona]] = field(default_factory=dict)
    rubrics: dict[str, Entry[Rubric]] = field(default_factory=dict)
    difficulty: dict[str, DifficultyLevel] = field(default_factory=dict)
    reaction_kinds: ReactionKinds = field(default_factory=lambda: ReactionKinds({}))
    errors: list[ContentError] = field(default_factory=list)

    def persona(self, persona_id: str) -> Persona:
        return self.personas[persona_id].item

    def level(self, persona_id: str) -> DifficultyLevel:
        """The difficulty level the persona names (checked when the catalog loads)."""
        return self.difficulty[self.persona(persona_id).difficulty]

    def rubric(self, rubric_id: str) -> Rubric:
        return self.rubrics[rubric_id].item

    def crisis_checklist(self, rubric_id: str) -> list[CrisisCheck]:
        """The rubric's crisis checklist; a rubric without one uses the first rubric (by id) that has one."""
        own = self.rubrics[rubric_id].item.crisis_checklist if rubric_id in self.rubrics else []
        shared = (
            entry.item.crisis_checklist for _, entry in sorted(self.rubrics.items()) if entry.item.crisis_checklist
        )
        return own or next(shared, [])


def _load_folder(folder: Path, model: type[ItemT], errors: list[ContentError]) -> dict[str, Entry[ItemT]]:
    entries: dict[str, Entry[ItemT]] = {}
    for path in sorted(folder.glob("*.yaml")):
        try:
            item = load_model(path, model)
        except ContentError as exc:
            errors.append(exc)
            continue
        item_id = item.id
        if item_id != path.stem:
            errors.append(ContentError(path, [f"field 'id' is '{item_id}' but must match the file name '{path.stem}'"]))
            continue
        entries[item_id] = Entry(item=item, path=path, version=content_hash(path))
    return entries


def _check_rubrics(catalog: Catalog) -> None:
    """Every rubric dimension names a reaction kind; drop the rubrics that do not."""
    for rubric_id, entry in list(catalog.rubrics.items()):
        problems = trigger_problems(entry.item, catalog.reaction_kinds)
        if problems:
            catalog.errors.append(ContentError(entry.path, problems))
            del catalog.rubrics[rubric_id]


PersonaCheck = Callable[[Persona, Catalog], list[str]]
"""Everything wrong with a persona that loaded, given the rest of the catalog (rubrics, levels, others)."""


def _check_personas(catalog: Catalog, check: PersonaCheck) -> None:
    """Cross-check every persona against the rest of the catalog; drop the ones with problems."""
    problems = {persona_id: check(entry.item, catalog) for persona_id, entry in catalog.personas.items()}
    for persona_id, found in problems.items():
        if found:
            catalog.errors.append(ContentError(catalog.personas[persona_id].path, found))
            del catalog.personas[persona_id]


def load_catalog(content_dir: Path, *, check: PersonaCheck | None = None) -> Catalog:
    catalog = Catalog()
    catalog.rubrics = _load_folder(content_dir / "rubrics", Rubric, catalog.errors)
    catalog.personas = _load_folder(content_dir / "personas", Persona, catalog.errors)
    try:
        catalog.difficulty = load_levels(content_dir).root
    except ContentError as exc:
        catalog.errors.append(exc)
    try:
        catalog.reaction_kinds = load_reaction_kinds(content_dir)
    except ContentError as exc:
        catalog.errors.append(exc)
    _check_rubrics(catalog)
    if check is not None:
        _check_personas(catalog, check)
    return catalog


def _fingerprint(content_dir: Path) -> tuple[tuple[str, int, int], ...]:
    """Every content file's path, change time and size: one directory scan a folder, one stat a file."""
    found: list[tuple[str, int, int]] = []
    for folder in (content_dir / "personas", content_dir / "rubrics"):
        found += _yaml_files(folder)
    for name in (DIFFICULTY_FILE, REACTION_KINDS_FILE):
        with contextlib.suppress(FileNotFoundError):
            info = (content_dir / name).stat()
            found.append((str(content_dir / name), info.st_mtime_ns, info.st_size))
    return tuple(sorted(found))


def _yaml_files(folder: Path) -> list[tuple[str, int, int]]:
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return []
    found = []
    for entry in entries:
        if entry.name.endswith(".yaml") and entry.is_file():
            info = entry.stat()
            found.append((entry.path, info.st_mtime_ns, info.st_size))
    return found


_cache: dict[tuple[Path, PersonaCheck | None], tuple[tuple[tuple[str, int, int], ...], Catalog]] = {}


def get_catalog(content_dir: Path, *, check: PersonaCheck | None = None) -> Catalog:
    """The catalog for a content folder, reloaded only when a file there changed."""
    fingerprint = _fingerprint(content_dir)
    cached = _cache.get((content_dir, check))
    if cached is None or cached[0] != fingerprint:
        cached = (fingerprint, load_catalog(content_dir, check=check))
        _cache[(content_dir, check)] = cached
    return cached[1]
