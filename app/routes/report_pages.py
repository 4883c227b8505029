"""The printable session report: transcript, grades after review, reviews, the peer's trust and the
summary, laid out by a print stylesheet as a clean one- or two-page document."""

from fastapi import APIRouter, Request, Response

from app.auth.deps import CurrentUser
from app.db import SessionDep
from app.practice.context import PracticeDep
from app.practice.sessions import coaching_held_back, list_turns
from app.practice.summary import graded_turns, summarise
from app.routes.page_kit import PracticeSessionDep, render, see_other
from app.routes.replay_views import replay_context

router = APIRouter(include_in_schema=False)


@router.get("/sessions/{session_id}/report")
def session_report(
    request: Request, practice: PracticeSessionDep, db: SessionDep, ctx: PracticeDep, user: CurrentUser
) -> Response:
    if practice.trainee_id == user.id and coaching_held_back(practice):
        return see_other(f"/sessions/{practice.id}")  # an assessment's grades wait until it ends
    context = replay_context(db=db, ctx=ctx, practice=practice, user=user)
    graded = graded_turns(db=db, turns=list_turns(db=db, session_id=practice.id))
    context["summary"] = summarise(rubric=context["rubric"], graded=graded)
    return render(request, "report.html", context)
