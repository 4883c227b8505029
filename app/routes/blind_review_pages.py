"""Blind review: a supervisor grades the cohort's replies one at a time without the grader's scores.
A plain form POST, answered 303 to the next reply, or the same reply again (422) saying what is missing."""

from fastapi import APIRouter, Request, Response, status

from app.auth.deps import CurrentUser
from app.db import SessionDep
from app.errors import Conflict, Invalid
from app.practice.blind_review import next_blind_item, save_blind_grade
from app.practice.context import PracticeDep
from app.practice.oversight import viewable_cohort
from app.routes.guards import RecordId
from app.routes.page_kit import flash, render, see_other, take_flash
from app.routes.replay_views import level_labels

router = APIRouter(include_in_schema=False)


def _page(
    request: Request, db: SessionDep, ctx: PracticeDep, user: CurrentUser, cohort_id: int, error: str | None = None
) -> Response:
    cohort = viewable_cohort(db=db, viewer=user, cohort_id=cohort_id)
    item = next_blind_item(db=db, ctx=ctx, viewer=user, cohort_id=cohort_id)
    context = {
        "section": "cohorts",
        "cohort": cohort,
        "item": item,
        "labels": level_labels(item.rubric) if item else {},
        "error": error,
        "note": take_flash(request),
        "chosen": {},
    }
    code = status.HTTP_422_UNPROCESSABLE_CONTENT if error else status.HTTP_200_OK
    return render(request, "blind_review.html", context, code)


@router.get("/cohorts/{cohort_id}/blind-review")
def blind_review(
    request: Request, cohort_id: RecordId, db: SessionDep, ctx: PracticeDep, user: CurrentUser
) -> Response:
    return _page(request, db, ctx, user, cohort_id)


@router.post("/cohorts/{cohort_id}/blind-review/{turn_id}")
async def grade_blind(
    request: Request,
    cohort_id: RecordId,
    turn_id: RecordId,
    db: SessionDep,
    ctx: PracticeDep,
    user: CurrentUser,
) -> Response:
    form = await request.form()
    scores = {key[len("level-") :]: str(value) for key, value in form.items() if key.startswith("level-")}
    try:
        save_blind_grade(db=db, ctx=ctx, viewer=user, cohort_id=cohort_id, turn_id=turn_id, scores=scores)
    except Invalid as exc:
        return _page(request, db, ctx, user, cohort_id, error=exc.message)
    except Conflict as exc:
        flash(request, exc.message)
        return see_other(f"/cohorts/{cohort_id}/blind-review")
    flash(request, "Saved. Here is the next reply.")
    return see_other(f"/cohorts/{cohort_id}/blind-review")
