"""Supervisors' labels as training examples, in the format of docs/labelling-guide.md:
`{"id", "context": [{"role", "text"}], "reply", "labels": {key: level}, "why"}`, one per labelled reply.

A reply's labels are the supervisors' levels: the scores after review of a reviewed reply, and every
blind grade of it; where several supervisors labelled one reply, each dimension takes their median (the
lower one of an even count, so a split between two levels never invents a flag)."""

import json
from collections.abc import Iterable
from dataclasses import dataclass
from statistics import median_low
from typing import Any

from sqlmodel import Session, col, select

from app.auth.audit import LabelsExported, record
from app.errors import NotFound
from app.models import BlindGrade, Cohort, GradeRecord, PracticeSession, Review, User
from app.practice.context import PracticeContext
from app.practice.oversight import cohort_sessions, supervised_cohorts, viewable_cohort
from app.practice.reviews import effective_scores
from app.practice.sessions import list_turns

CONTEXT_TURNS = 6


@dataclass(frozen=True)
class LabelExport:
    rubric_id: str
    examples: list[dict[str, Any]]

    def jsonl(self) -> str:
        return "".join(json.dumps(example, ensure_ascii=False) + "\n" for example in self.examples)


def _labels_by_turn(db: Session, turn_ids: list[int]) -> tuple[dict[int, list[dict[str, int]]], dict[int, list[str]]]:
    labels: dict[int, list[dict[str, int]]] = {}
    why: dict[int, list[str]] = {}
    grades = {g.turn_id: g for g in db.exec(select(GradeRecord).where(col(GradeRecord.turn_id).in_(turn_ids))).all()}
    reviews: dict[int, list[Review]] = {}
    for review in db.exec(select(Review).where(col(Review.turn_id).in_(turn_ids)).order_by(col(Review.id))).all():
        reviews.setdefault(review.turn_id, []).append(review)
    for turn_id, turn_reviews in reviews.items():
        if turn_id in grades:
            labels.setdefault(turn_id, []).append(effective_scores(grades[turn_id], turn_reviews))
            why.setdefault(turn_id, []).extend(r.text for r in turn_reviews)
    for blind in db.exec(select(BlindGrade).where(col(BlindGrade.turn_id).in_(turn_ids))).all():
        labels.setdefault(blind.turn_id, []).append(blind.scores)
        why.setdefault(blind.turn_id, []).append(f"blind grade by {blind.author_name or 'a supervisor'}")
    return labels, why


def label_examples(*, db: Session, rubric_id: str, sessions: Iterable[PracticeSession]) -> LabelExport:
    """The labelled trainee replies of these sessions that were graded on `rubric_id`."""
    on_rubric = [s for s in sessions if s.rubric_id == rubric_id]
    examples: list[dict[str, Any]] = []
    for practice in on_rubric:
        turns = list_turns(db=db, session_id=practice.id)
        labels, why = _labels_by_turn(db, [t.id or 0 for t in turns if t.role == "trainee"])
        for turn in turns:
            if turn.id not in labels:
                continue
            keys = sorted(set().union(*labels[turn.id]))
            before = [t for t in turns if t.position < turn.position][-CONTEXT_TURNS:]
            examples.append(
                {
                    "id": f"{practice.id}-{turn.position}",
                    "context": [{"role": t.role, "text": t.text} for t in before],
                    "reply": turn.text,
                    "labels": {k: median_low([s[k] for s in labels[turn.id] if k in s]) for k in keys},
                    "why": "; ".join(why.get(turn.id, [])),
                }
            )
    return LabelExport(rubric_id, examples)


def all_sessions(*, db: Session, cohort_id: int | None) -> list[PracticeSession]:
    """For the command line (an operator): one cohort's sessions, or every session."""
    if cohort_id is None:
        return list(db.exec(select(PracticeSession).order_by(col(PracticeSession.created_at))).all())
    cohort = db.get(Cohort, cohort_id)
    if cohort is None:
        raise NotFound(f"No cohort {cohort_id}.")
    return cohort_sessions(db=db, cohort=cohort)


def export_labels(
    *, db: Session, ctx: PracticeContext, viewer: User, rubric_id: str, cohort_id: int | None = None
) -> LabelExport:
    """Supervisors export their cohorts' labels (one cohort, or all of theirs); staff every cohort's."""
    if rubric_id not in ctx.catalog.rubrics:
        raise NotFound(f"No rubric called '{rubric_id}'.")
    cohorts = (
        [viewable_cohort(db=db, viewer=viewer, cohort_id=cohort_id)]
        if cohort_id is not None
        else supervised_cohorts(db=db, viewer=viewer)
    )
    if not cohorts:
        raise NotFound("No cohort to export labels from.")
    sessions = {s.id: s for c in cohorts for s in cohort_sessions(db=db, cohort=c)}
    export = label_examples(db=db, rubric_id=rubric_id, sessions=sessions.values())
    record(db=db, actor=viewer, event=LabelsExported(rubric_id=rubric_id, cohort_id=cohort_id))
    db.commit()
    return export
