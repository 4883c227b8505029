"""The printable session report: transcript, grades after review, reviews, the peer's trust and the
summary, laid out by a print stylesheet as a clean one- or two-page document."""

from typing import Any

from fastapi import APIRouter, Request, Response
from sqlmodel import Session

from app.auth.deps import CurrentUser
from app.db import in_session
from app.models import User
from app.practice.access import readable_session
from app.practice.context import PracticeContext, PracticeDep
from app.practice.replies import finish_pending_replies
from app.practice.scenario import session_checklist
from app.practice.sessions import coaching_held_back, list_turns
from app.practice.summary import graded_turns, summarise
from app.routes.page_kit import render, see_other
from app.routes.replay_views import replay_context

router = APIRouter(include_in_schema=False)


def _report_context(*, db: Session, ctx: PracticeContext, user: User, session_id: str) -> dict[str, Any] | None:
    """The report, or None while it is the trainee's own running assessment (grades wait until it ends)."""
    practice = readable_session(db=db, user=user, session_id=session_id)
    if coaching_held_back(practice, user):
        return None
    context = replay_context(db=db, ctx=ctx, practice=practice, user=user)
    graded = graded_turns(db=db, turns=list_turns(db=db, session_id=practice.id))
    rubric = context["rubric"]
    checklist = session_checklist(ctx.catalog, rubric)
    context["summary"] = summarise(rubric=rubric, graded=graded, persona=context["persona"], checklist=checklist)
    return context


@router.get("/sessions/{session_id}/report")
async def session_report(request: Request, session_id: str, ctx: PracticeDep, user: CurrentUser) -> Response:
    await in_session(readable_session, user=user, session_id=session_id)
    await finish_pending_replies(ctx=ctx, session_id=session_id)
    context = await in_session(_report_context, ctx=ctx, user=user, session_id=session_id)
    if context is None:
        return see_other(f"/sessions/{session_id}")
    return render(request, "report.html", context)
