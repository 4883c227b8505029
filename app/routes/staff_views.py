"""What the staff page shows: people with their cohorts, content files with their validation status,
the audit log, and the forms (with what was typed and why it was refused)."""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlmodel import Session

from app.auth.accounts import cohorts_by_user, list_cohorts, list_users
from app.auth.audit import recent_events
from app.auth.privacy import sessions_per_user
from app.content.catalog import Catalog
from app.content.loader import ContentError
from app.grading.grader_status import grader_statuses
from app.models import ROLES, User
from app.practice.context import PracticeContext
from app.practice.paging import PageRequest, page_of

AUDIT_ROWS = 20
PEOPLE_PAGE = PageRequest(page=1, per_page=50)
_KIND_ORDER = {"rubric": 0, "persona": 1, "shared": 2}


@dataclass(frozen=True)
class PersonRow:
    user: User
    cohorts: list[str]
    sessions: int


def people_rows(*, db: Session) -> list[PersonRow]:
    cohorts, sessions = cohorts_by_user(db=db), sessions_per_user(db=db)
    return [
        PersonRow(user=u, cohorts=cohorts.get(u.id or 0, []), sessions=sessions.get(u.id or 0, 0))
        for u in list_users(db=db)
    ]


@dataclass(frozen=True)
class ContentRow:
    """One content file: valid (with its version) or not (with the problems, as `validate` prints them)."""

    kind: str
    item_id: str
    file: str
    name: str = ""
    version: str | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _relative(path: Path, content_dir: Path) -> str:
    try:
        return str(path.relative_to(content_dir))
    except ValueError:
        return str(path)


def _kind_of(path: Path) -> str:
    return {"personas": "persona", "rubrics": "rubric"}.get(path.parent.name, "shared")


def _broken_row(error: ContentError, content_dir: Path) -> ContentRow:
    return ContentRow(
        kind=_kind_of(error.path),
        item_id=error.path.stem,
        file=_relative(error.path, content_dir),
        problems=error.problems,
    )


def content_rows(catalog: Catalog, content_dir: Path) -> list[ContentRow]:
    rows = [
        ContentRow("rubric", e.item.id, _relative(e.path, content_dir), e.item.name, e.version)
        for e in catalog.rubrics.values()
    ]
    rows += [
        ContentRow("persona", e.item.id, _relative(e.path, content_dir), e.item.name, e.version)
        for e in catalog.personas.values()
    ]
    rows += [_broken_row(error, content_dir) for error in catalog.errors]
    return sorted(rows, key=lambda row: (_KIND_ORDER.get(row.kind, 3), row.item_id))


@dataclass(frozen=True)
class FormState:
    """A form's values and its errors by field name, for showing it again after a refusal."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def staff_context(
    *,
    db: Session,
    ctx: PracticeContext,
    note: str | None = None,
    new_user: FormState | None = None,
    new_member: FormState | None = None,
    people_page: PageRequest = PEOPLE_PAGE,
) -> dict[str, Any]:
    people = people_rows(db=db)
    shown = page_of(people, people_page)
    graders, graders_problem = grader_statuses(ctx.catalog, ctx.settings.content_dir)
    return {
        "section": "staff",
        "note": note,
        "people": shown,
        "previous_url": f"/staff?page={shown.page - 1}#people",
        "next_url": f"/staff?page={shown.page + 1}#people",
        "members": [row.user for row in people if row.user.role != "staff"],
        "roles": ROLES,
        "cohorts": list_cohorts(db=db),
        "content": content_rows(ctx.catalog, ctx.settings.content_dir),
        "graders": graders,
        "graders_problem": graders_problem,
        "default_rubric": ctx.settings.default_rubric,
        "events": recent_events(db=db, limit=AUDIT_ROWS),
        "new_user": new_user or FormState(values={"role": "trainee"}),
        "new_member": new_member or FormState(),
    }
