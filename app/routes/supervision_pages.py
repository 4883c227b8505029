"""Supervision pages: the sessions list as a review queue, a trainee's progress, cohort dashboards and
the grader-supervisor agreement. Each calls the same domain function as its JSON twin."""

from fastapi import APIRouter, Request, Response

from app.auth.deps import CurrentUser
from app.db import SessionDep
from app.practice.agreement import cohort_agreement
from app.practice.context import PracticeDep
from app.practice.dashboard import cohort_dashboard
from app.practice.oversight import cohort_trainees, supervised_cohorts
from app.practice.progress import trainee_progress
from app.practice.review_queue import SORT_KEYS, review_queue
from app.routes.guards import RecordId
from app.routes.list_params import PageQuery, QueueQuery, page_link
from app.routes.page_kit import render, see_other
from app.routes.progress_views import progress_charts, sparkline
from app.routes.views import rows_by_rubric

router = APIRouter(include_in_schema=False)


@router.get("/supervisor")
def sessions_queue(
    request: Request, db: SessionDep, ctx: PracticeDep, user: CurrentUser, query_filter: QueueQuery, paging: PageQuery
) -> Response:
    """Supervisors see their cohorts' sessions, staff everyone's, trainees their own; filtered and paged."""
    rows = review_queue(db=db, ctx=ctx, viewer=user, query_filter=query_filter, paging=paging)
    trainees = {t.id: t for c in supervised_cohorts(db=db, viewer=user) for t in cohort_trainees(db=db, cohort=c)}
    context = {
        "section": "supervisor",
        "rows": rows,
        "groups": rows_by_rubric(ctx.catalog, rows.items),
        "personas": [e.item for e in ctx.catalog.personas.values()],
        "trainees": sorted(trainees.values(), key=lambda t: t.username),
        "chosen": {**request.query_params, "sort": query_filter.sort},
        "sort_keys": SORT_KEYS,
        "previous_url": page_link(request.url, rows.page - 1),
        "next_url": page_link(request.url, rows.page + 1),
    }
    return render(request, "supervisor.html", context)


@router.get("/progress")
def my_progress(user: CurrentUser) -> Response:
    return see_other(f"/trainees/{user.id}/progress")


@router.get("/trainees/{user_id}/progress")
def progress_page(request: Request, user_id: RecordId, db: SessionDep, ctx: PracticeDep, user: CurrentUser) -> Response:
    progress = trainee_progress(db=db, ctx=ctx, viewer=user, trainee_id=user_id)
    context = {"section": "progress", "progress": progress, "charts": progress_charts(progress)}
    return render(request, "progress.html", context)


@router.get("/cohorts")
def cohorts_page(request: Request, db: SessionDep, user: CurrentUser) -> Response:
    cohorts = supervised_cohorts(db=db, viewer=user)
    if len(cohorts) == 1:
        return see_other(f"/cohorts/{cohorts[0].id}")
    return render(request, "cohorts.html", {"section": "cohorts", "cohorts": cohorts})


@router.get("/cohorts/{cohort_id}")
def dashboard_page(
    request: Request, cohort_id: RecordId, db: SessionDep, ctx: PracticeDep, user: CurrentUser
) -> Response:
    dashboard = cohort_dashboard(db=db, ctx=ctx, viewer=user, cohort_id=cohort_id)
    context = {"section": "cohorts", "dashboard": dashboard, "sparkline": sparkline}
    return render(request, "dashboard.html", context)


@router.get("/cohorts/{cohort_id}/agreement")
def agreement_page(
    request: Request, cohort_id: RecordId, db: SessionDep, ctx: PracticeDep, user: CurrentUser
) -> Response:
    report = cohort_agreement(db=db, ctx=ctx, viewer=user, cohort_id=cohort_id)
    cohort = next(c for c in supervised_cohorts(db=db, viewer=user) if c.id == cohort_id)
    return render(request, "agreement.html", {"section": "cohorts", "cohort": cohort, "report": report})
