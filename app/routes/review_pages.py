"""The supervisor's replay: a session turn by turn, with reviews (grade overrides and comments) and an export.

Reviews are plain form POSTs that answer 303 back to the turn; a refused review shows the page again
with the reason beside the field and what was typed kept.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response, status
from sqlmodel import Session

from app.auth.deps import CurrentUser
from app.db import SessionDep, in_session
from app.models import Turn, User
from app.practice.access import readable_session
from app.practice.context import PracticeContext, PracticeDep
from app.practice.exports import session_to_export
from app.practice.replies import finish_pending_replies
from app.practice.review_queue import mark_reviews_seen
from app.practice.reviews import ReviewRejected, review_turn
from app.practice.sessions import coaching_held_back, find_session
from app.routes.guards import RecordId
from app.routes.page_kit import render, see_other
from app.routes.presenters import transcript
from app.routes.replay_views import ReviewForm, replay_context, turn_anchor
from app.security import attachment

router = APIRouter(include_in_schema=False)

ReviewField = Annotated[str, Form()]  # long text gets a readable refusal from review_turn


def _replay_context(*, db: Session, ctx: PracticeContext, user: User, session_id: str) -> dict[str, Any] | None:
    """The replay, or None when it is the trainee's own running assessment (no grades until it ends)."""
    practice = find_session(db=db, session_id=session_id)
    if coaching_held_back(practice, user):
        return None
    mark_reviews_seen(db=db, viewer=user, practice=practice)
    return replay_context(db=db, ctx=ctx, practice=practice, user=user)


@router.get("/supervisor/sessions/{session_id}")
async def replay(request: Request, session_id: str, ctx: PracticeDep, user: CurrentUser) -> Response:
    await in_session(readable_session, user=user, session_id=session_id)  # may they? (and the audit row)
    await finish_pending_replies(ctx=ctx, session_id=session_id)
    context = await in_session(_replay_context, ctx=ctx, user=user, session_id=session_id)
    if context is None:
        return see_other(f"/sessions/{session_id}")
    return render(request, "replay.html", context)


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
    form = ReviewForm(turn_id=turn_id, kind=kind, dimension=dimension, level=level, text=text)
    try:
        review = review_turn(
            db=db, ctx=ctx, reviewer=user, session_id=session_id, turn_id=turn_id, request=form.request()
        )
    except ReviewRejected as exc:
        db.rollback()
        practice = find_session(db=db, session_id=session_id)  # review_turn let them this far
        context = replay_context(db=db, ctx=ctx, practice=practice, user=user, form=form.refused(exc))
        return render(request, "replay.html", context, status.HTTP_422_UNPROCESSABLE_CONTENT)
    turn = db.get(Turn, review.turn_id)
    return see_other(f"/supervisor/sessions/{session_id}#{turn_anchor(turn.position if turn else 0)}")


@router.get("/supervisor/sessions/{session_id}/export")
def export_session(session_id: str, db: SessionDep, user: CurrentUser) -> Response:
    """The transcript with grades and reviews, as the JSON API shapes it, to download."""
    practice = session_to_export(db=db, reviewer=user, session_id=session_id)
    body = transcript(db=db, practice=practice, viewer=user, with_states=True).model_dump_json(indent=2)
    headers = {"Content-Disposition": attachment(f"peer-practice-session-{practice.id}.json")}
    return Response(body, media_type="application/json", headers=headers)
