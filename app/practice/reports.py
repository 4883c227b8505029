"""A cohort's work as files: trainee turns (grader's and reviewed scores) and session summaries as CSV,
and the whole cohort as a zip of JSON and CSV. Each export is audited."""

import csv
import io
import json
import zipfile
from dataclasses import asdict, dataclass
from typing import Any

from sqlmodel import Session, col, select

from app.auth.audit import CohortExported, record
from app.models import Cohort, GradeRecord, PracticeSession, Turn, User
from app.practice.agreement import cohort_agreement
from app.practice.context import PracticeContext
from app.practice.oversight import cohort_sessions, cohort_trainees, viewable_cohort
from app.practice.progress import graded_dimensions, session_progress
from app.practice.reviews import effective_scores, reviews_for

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: object) -> str:
    """A cell a spreadsheet will not run as a formula (OWASP CSV injection): text that starts like one
    gets a leading apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def to_csv(header: list[str], rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: spreadsheet_safe(row.get(key)) for key in header})
    return out.getvalue()


@dataclass(frozen=True)
class DownloadFile:
    filename: str
    body: bytes
    media_type: str


def _usernames(db: Session, sessions: list[PracticeSession]) -> dict[int, str]:
    ids = {s.trainee_id for s in sessions if s.trainee_id is not None}
    return {u.id or 0: u.username for u in db.exec(select(User).where(col(User.id).in_(ids))).all()} if ids else {}


def turn_rows(*, db: Session, sessions: list[PracticeSession]) -> list[dict[str, Any]]:
    """One row per trainee turn: the grader's scores under the dimension keys, reviewed ones as reviewed_<key>."""
    names = _usernames(db, sessions)
    by_id = {s.id: s for s in sessions}
    query = select(Turn).where(col(Turn.session_id).in_(list(by_id)), Turn.role == "trainee")
    turns = list(db.exec(query).all())
    turn_ids = [t.id or 0 for t in turns]
    grades = {g.turn_id: g for g in db.exec(select(GradeRecord).where(col(GradeRecord.turn_id).in_(turn_ids))).all()}
    reviews = reviews_for(db=db, turn_ids=turn_ids)
    order = {s.id: n for n, s in enumerate(sessions)}
    rows = []
    for turn in sorted(turns, key=lambda t: (order[t.session_id], t.position)):
        practice, grade = by_id[turn.session_id], grades.get(turn.id or 0)
        row: dict[str, Any] = {
            "session_id": practice.id,
            "trainee": names.get(practice.trainee_id or 0, practice.trainee_name),
            "persona": practice.persona_id,
            "rubric": practice.rubric_id,
            "mode": practice.mode,
            "position": turn.position,
            "created_at": turn.created_at.isoformat(),
            "text": turn.text,
            "grader": grade.grader if grade else "",
            "reviews": len(reviews.get(turn.id or 0, [])),
        }
        if grade:
            row |= grade.scores
            row |= {f"reviewed_{k}": v for k, v in effective_scores(grade, reviews.get(turn.id or 0, [])).items()}
        rows.append(row)
    return rows


def turns_header(keys: list[str]) -> list[str]:
    head = ["session_id", "trainee", "persona", "rubric", "mode", "position", "created_at", "text", "grader"]
    return [*head, *keys, *(f"reviewed_{k}" for k in keys), "reviews"]


def summary_rows(*, db: Session, ctx: PracticeContext, sessions: list[PracticeSession]) -> list[dict[str, Any]]:
    names = _usernames(db, sessions)
    rows = []
    for practice in sessions:
        point = session_progress(db=db, ctx=ctx, practice=practice, hold_back=False)
        row = {k: v for k, v in asdict(point).items() if k != "averages"}
        row |= {"trainee": names.get(practice.trainee_id or 0, practice.trainee_name), "ended_at": practice.ended_at}
        row |= {f"average_{k}": v for k, v in point.averages.items()}
        rows.append(row)
    return rows


def summaries_header(keys: list[str]) -> list[str]:
    head = ["id", "trainee", "persona", "rubric", "mode", "status", "started_at", "ended_at", "minutes", "turns"]
    tail = ["flagged", "final_trust", "boundary_tests", "boundary_tests_declined", "crisis_moments"]
    return [*head, *(f"average_{k}" for k in keys), *tail]


def _cohort_rows(
    db: Session, ctx: PracticeContext, viewer: User, cohort_id: int
) -> tuple[Cohort, list[PracticeSession], list[str]]:
    cohort = viewable_cohort(db=db, viewer=viewer, cohort_id=cohort_id)
    sessions = cohort_sessions(db=db, cohort=cohort)
    keys = [key for key, _, _ in graded_dimensions(ctx, [s.rubric_id for s in sessions])]
    return cohort, sessions, keys


def cohort_turns_csv(*, db: Session, ctx: PracticeContext, viewer: User, cohort_id: int) -> DownloadFile:
    cohort, sessions, keys = _cohort_rows(db, ctx, viewer, cohort_id)
    body = to_csv(turns_header(keys), turn_rows(db=db, sessions=sessions))
    record(db=db, actor=viewer, event=CohortExported(cohort_id=cohort_id, file="turns.csv"))
    db.commit()
    return DownloadFile(f"cohort-{cohort.id}-turns.csv", body.encode("utf-8"), "text/csv")


def cohort_sessions_csv(*, db: Session, ctx: PracticeContext, viewer: User, cohort_id: int) -> DownloadFile:
    cohort, sessions, keys = _cohort_rows(db, ctx, viewer, cohort_id)
    body = to_csv(summaries_header(keys), summary_rows(db=db, ctx=ctx, sessions=sessions))
    record(db=db, actor=viewer, event=CohortExported(cohort_id=cohort_id, file="sessions.csv"))
    db.commit()
    return DownloadFile(f"cohort-{cohort.id}-sessions.csv", body.encode("utf-8"), "text/csv")


def cohort_zip(*, db: Session, ctx: PracticeContext, viewer: User, cohort_id: int) -> DownloadFile:
    """turns.csv, sessions.csv, and cohort.json (trainees, sessions, agreement) in one zip."""
    cohort, sessions, keys = _cohort_rows(db, ctx, viewer, cohort_id)
    agreement = cohort_agreement(db=db, ctx=ctx, viewer=viewer, cohort_id=cohort_id)
    summaries = summary_rows(db=db, ctx=ctx, sessions=sessions)
    document = {
        "cohort": {"id": cohort.id, "name": cohort.name},
        "trainees": [{"id": t.id, "username": t.username} for t in cohort_trainees(db=db, cohort=cohort)],
        "sessions": summaries,
        "agreement": {k: asdict(v) for k, v in agreement.dimensions.items()},
        "between_supervisors": {k: asdict(v) for k, v in agreement.between_supervisors.items()},
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("cohort.json", json.dumps(document, indent=2, default=str, ensure_ascii=False))
        archive.writestr("turns.csv", to_csv(turns_header(keys), turn_rows(db=db, sessions=sessions)))
        archive.writestr("sessions.csv", to_csv(summaries_header(keys), summaries))
    record(db=db, actor=viewer, event=CohortExported(cohort_id=cohort_id, file="cohort.zip"))
    db.commit()
    return DownloadFile(f"cohort-{cohort.id}.zip", buffer.getvalue(), "application/zip")
