"""The whole audit log for staff: filtered by who, action and date, and paged."""

from fastapi import APIRouter, Request, Response

from app.auth.deps import StaffUser
from app.db import SessionDep
from app.practice.audit_log import VIEW_WINDOW, audit_actions, audit_page
from app.routes.list_params import AuditQuery, PageQuery, page_link
from app.routes.page_kit import render

router = APIRouter(include_in_schema=False)


@router.get("/staff/audit")
def audit_log(
    request: Request, db: SessionDep, staff: StaffUser, audit_filter: AuditQuery, paging: PageQuery
) -> Response:
    events = audit_page(db=db, viewer=staff, audit_filter=audit_filter, paging=paging)
    context = {
        "section": "staff",
        "page": events,
        "actions": audit_actions(db=db),
        "chosen": dict(request.query_params),
        "window_minutes": int(VIEW_WINDOW.total_seconds() // 60),
        "previous_url": page_link(request.url, events.page - 1),
        "next_url": page_link(request.url, events.page + 1),
    }
    return render(request, "audit.html", context)
