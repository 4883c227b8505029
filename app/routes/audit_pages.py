"""The whole audit log for staff: filtered by who, action and date, and paged."""

from fastapi import APIRouter, Request, Response

from app.auth.deps import StaffUser
from app.db import SessionDep
from app.practice.audit_log import VIEW_WINDOW, AuditFilter, audit_actions, audit_page
from app.routes.list_params import PER_PAGE, PageNumber, PerPage, Text, as_date, page_link, paging
from app.routes.page_kit import PageRoute, render

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@router.get("/staff/audit")
def audit_log(
    request: Request,
    db: SessionDep,
    staff: StaffUser,
    actor: Text = "",
    action: Text = "",
    since: Text = "",
    until: Text = "",
    page: PageNumber = 1,
    per_page: PerPage = PER_PAGE,
) -> Response:
    audit_filter = AuditFilter(actor=actor or None, action=action or None, since=as_date(since), until=as_date(until))
    events = audit_page(db=db, viewer=staff, audit_filter=audit_filter, paging=paging(page, per_page))
    context = {
        "section": "staff",
        "page": events,
        "actions": audit_actions(db=db),
        "chosen": {"actor": actor, "action": action, "since": since, "until": until},
        "window_minutes": int(VIEW_WINDOW.total_seconds() // 60),
        "previous_url": page_link(request.url, events.page - 1),
        "next_url": page_link(request.url, events.page + 1),
    }
    return render(request, "audit.html", context)
