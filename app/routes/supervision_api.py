"""The supervision contracts (JSON and CSV): a trainee's progress, a cohort's agreement and reports, and
supervisors' labels for training. The trainee, their cohort's supervisors and staff; anyone else 404."""

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from app.auth.deps import CurrentUser
from app.db import SessionDep
from app.practice.agreement import AgreementReport, DimensionAgreement, cohort_agreement
from app.practice.context import PracticeDep
from app.practice.labels import export_labels
from app.practice.progress import TraineeProgress, trainee_progress
from app.practice.reports import DownloadFile, cohort_sessions_csv, cohort_turns_csv, cohort_zip
from app.routes.guards import RecordId
from app.routes.responses import SIGNED_IN, errors
from app.routes.supervision_schemas import (
    AgreementPublic,
    CohortAgreementPublic,
    ProgressPublic,
    SessionProgressPublic,
    TraineeRef,
)
from app.security import UnicodeJSONRoute

router = APIRouter(prefix="/api", tags=["supervision"], route_class=UnicodeJSONRoute, responses=errors(*SIGNED_IN))


def _file(content_type: str, description: str) -> dict[int | str, dict[str, Any]]:
    return {200: {"description": description, "content": {content_type: {"schema": {"type": "string"}}}}, **errors(404)}


def download(file: DownloadFile) -> Response:
    headers = {"Content-Disposition": f'attachment; filename="{file.filename}"', "Cache-Control": "no-store"}
    return Response(file.body, media_type=file.media_type, headers=headers)


def progress_public(progress: TraineeProgress) -> ProgressPublic:
    return ProgressPublic(
        trainee=TraineeRef(id=progress.trainee.id or 0, username=progress.trainee.username),
        sessions=[SessionProgressPublic.model_validate(asdict(s)) for s in progress.sessions],
    )


def _agreement(value: DimensionAgreement) -> AgreementPublic:
    return AgreementPublic(n=value.n, exact=value.exact, flag_agreement=value.flag_agreement, kappa=value.kappa)


def agreement_public(report: AgreementReport) -> CohortAgreementPublic:
    return CohortAgreementPublic(
        dimensions={k: _agreement(v) for k, v in report.dimensions.items()},
        between_supervisors={k: _agreement(v) for k, v in report.between_supervisors.items()},
        confusion={k: v.confusion for k, v in report.dimensions.items()},
        reviewed_replies=report.reviewed_replies,
        blind_grades=report.blind_grades,
    )


@router.get("/trainees/{user_id}/progress", responses=errors(404))
def progress(user_id: RecordId, db: SessionDep, ctx: PracticeDep, user: CurrentUser) -> ProgressPublic:
    """Every session of a trainee, oldest first, with its averages after review, flagged replies and final trust."""
    return progress_public(trainee_progress(db=db, ctx=ctx, viewer=user, trainee_id=user_id))


@router.get("/cohorts/{cohort_id}/agreement", responses=errors(404))
def agreement(cohort_id: RecordId, db: SessionDep, ctx: PracticeDep, user: CurrentUser) -> CohortAgreementPublic:
    """The grader against the cohort's supervisors (overrides and blind grades), per dimension."""
    return agreement_public(cohort_agreement(db=db, ctx=ctx, viewer=user, cohort_id=cohort_id))


@router.get(
    "/cohorts/{cohort_id}/turns.csv", response_class=Response, responses=_file("text/csv", "One row per trainee turn")
)
def turns_csv(cohort_id: RecordId, db: SessionDep, ctx: PracticeDep, user: CurrentUser) -> Response:
    """One row per trainee turn: the grader's scores under the dimension keys, reviewed_<key> after review."""
    return download(cohort_turns_csv(db=db, ctx=ctx, viewer=user, cohort_id=cohort_id))


@router.get(
    "/cohorts/{cohort_id}/sessions.csv", response_class=Response, responses=_file("text/csv", "One row per session")
)
def sessions_csv(cohort_id: RecordId, db: SessionDep, ctx: PracticeDep, user: CurrentUser) -> Response:
    return download(cohort_sessions_csv(db=db, ctx=ctx, viewer=user, cohort_id=cohort_id))


@router.get(
    "/cohorts/{cohort_id}/export.zip",
    response_class=Response,
    responses=_file("application/zip", "cohort.json, turns.csv and sessions.csv"),
)
def export_zip(cohort_id: RecordId, db: SessionDep, ctx: PracticeDep, user: CurrentUser) -> Response:
    return download(cohort_zip(db=db, ctx=ctx, viewer=user, cohort_id=cohort_id))


@router.get(
    "/labels.jsonl",
    response_class=Response,
    responses=_file("application/x-ndjson", "Examples in the format of docs/labelling-guide.md"),
)
def labels(
    db: SessionDep,
    ctx: PracticeDep,
    user: CurrentUser,
    rubric: Annotated[str, Query(max_length=80)],
    cohort: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> Response:
    """Supervisors' blind grades and overrides as training examples for `python -m app train`."""
    export = export_labels(db=db, ctx=ctx, viewer=user, rubric_id=rubric, cohort_id=cohort)
    suffix = f"-cohort-{cohort}" if cohort else ""
    return download(
        DownloadFile(f"labels-{export.rubric_id}{suffix}.jsonl", export.jsonl().encode(), "application/x-ndjson")
    )
