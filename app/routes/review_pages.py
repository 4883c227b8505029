"""The supervisor's replay: a session turn by turn, with reviews (grade overrides and comments) and an export.

Reviews are plain form POSTs that answer 303 back to the turn; a refused review shows the page again
with the reason beside the field and what was typed kept.
"""

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response, status
from sqlmodel import Session, select

from app.auth.audit import record
from app.auth.deps import CurrentUser
from app.db import SessionDep
from app.models import GradeRecord, PracticeSession, Review, Turn
from app.practice.context import PracticeDep
from app.practice.reviews import ReviewRejected, add_review, effective_scores, reviews_for
from app.practice.scenario import session_content
from app.practice.sessions import coaching_held_back
from app.practice.turns import finish_pending_replies
from app.routes.guards import RecordId, reviewable_session
from app.routes.page_kit import PageNotFound, PageRoute, PracticeSessionDep, render, see_other
from app.routes.presenters import transcript
from app.routes.replay_views import ReviewForm, replay_context, turn_anchor

router = APIRouter(route_class=PageRoute, include_in_schema=False)

ReviewField = Annotated[str, Form()]  # long text gets a readable refusal from add_review


@router.get("/supervisor/sessions/{session_id}")
async def replay(
    request: Request, practice: PracticeSessionDep, db: SessionDep, ctx: PracticeDep, user: CurrentUser
) -> Response:
    if practice.trainee_id == user.id and coaching_held_back(practice):
        return see_other(f"/sessions/{practice.id}")  # assessment: no grades for the trainee until it ends
    await finish_pending_replies(db=db, ctx=ctx, practice=practice)
    return render(request, "replay.html", replay_context(db=db, ctx=ctx, practice=practice, user=user))


def _turn_in(db: Session, practice: PracticeSession, turn_id: int) -> Turn:
    turn = db.get(Turn, turn_id)
    if turn is None or turn.session_id != practice.id:
        raise PageNotFound(f"No turn {turn_id} in this practice session.")
    return turn


def _scores_now(db: Session, turn: Turn) -> dict[str, int] | None:
    """The turn's scores after the reviews so far (None when it has no grade)."""
    grade = db.exec(select(GradeRecord).where(GradeRecord.turn_id == turn.id)).first()
    reviews = reviews_for(db=db, turn_ids=[turn.id or 0]).get(turn.id or 0, [])
    return effective_scores(grade, reviews) if grade else None


def _audit_review(db: Session, user: CurrentUser, practice: PracticeSession, review: Review) -> None:
    record(
        db=db,
        actor=user,
        action=review.kind,
        target=f"turn:{review.turn_id}",
        session=practice.id,
        dimension=review.dimension,
        level=review.level,
    )


@router.post("/supervisor/sessions/{session_id}/turns/{turn_id}/reviews")
def post_review(
    request: Request,
    session_id: str,
    turn_id: RecordId,
    db: SessionDep,
    ctx: PracticeDep,
    user: CurrentUser,
    kind: ReviewField = "",
    dimension: ReviewField = "",
    level: ReviewField = "",
    text: ReviewField = "",
) -> Response:
    practice = reviewable_session(db=db, user=user, session_id=session_id)
    turn = _turn_in(db, practice, turn_id)
    _, rubric = session_content(db=db, ctx=ctx, practice=practice)
    form = ReviewForm(turn_id=turn_id, kind=kind, dimension=dimension, level=level, text=text)
    try:
        form.check_changes_a_score(rubric, _scores_now(db, turn))
        review = add_review(db=db, rubric=rubric, turn=turn, author=user, request=form.request())
    except ReviewRejected as exc:
        context = replay_context(db=db, ctx=ctx, practice=practice, user=user, form=form.refused(rubric, exc))
        return render(request, "replay.html", context, status.HTTP_422_UNPROCESSABLE_CONTENT)
    _audit_review(db, user, practice, review)
    return see_other(f"/supervisor/sessions/{practice.id}#{turn_anchor(turn.position)}")


@router.get("/supervisor/sessions/{session_id}/export")
def export_session(session_id: str, db: SessionDep, user: CurrentUser) -> Response:
    """The transcript with grades and reviews, as the JSON API shapes it, to download."""
    practice = reviewable_session(db=db, user=user, session_id=session_id)
    record(db=db, actor=user, action="export", target=f"session:{practice.id}")
    body = transcript(db=db, practice=practice).model_dump_json(indent=2)
    headers = {"Content-Disposition": f'attachment; filename="peer-practice-session-{practice.id}.json"'}
    return Response(body, media_type="application/json", headers=headers)
