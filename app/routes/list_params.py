"""Query parameters of the paged, filtered lists, read leniently: a value that does not parse is left out
(and the form shows what was typed), never a 422 page for a mistyped date."""

from datetime import date
from typing import Annotated, cast

from fastapi import Depends, Query, Response
from fastapi.datastructures import URL

from app.practice.audit_log import AuditFilter
from app.practice.paging import PER_PAGE, ItemT, Page, PageRequest
from app.practice.review_queue import SORT_KEYS, QueueFilter, SortKey

Text = Annotated[str, Query(max_length=80)]


def page_request(
    page: Annotated[int, Query(ge=1, le=100_000)] = 1, per_page: Annotated[int, Query(ge=1, le=200)] = PER_PAGE
) -> PageRequest:
    return PageRequest(page=page, per_page=per_page)


PageQuery = Annotated[PageRequest, Depends(page_request)]


def as_date(value: str) -> date | None:
    try:
        return date.fromisoformat(value.strip()) if value.strip() else None
    except ValueError:
        return None


def as_choice(value: str) -> bool | None:
    """ "yes" / "no" / anything else (any)."""
    return {"yes": True, "no": False}.get(value.strip().lower())


def as_id(value: str) -> int | None:
    return int(value) if value.strip().isdigit() and len(value.strip()) < 10 else None


def audit_filter(actor: Text = "", action: Text = "", since: Text = "", until: Text = "") -> AuditFilter:
    """Who (a username), what (an action) and when (from / to, YYYY-MM-DD)."""
    return AuditFilter(actor=actor or None, action=action or None, since=as_date(since), until=as_date(until))


AuditQuery = Annotated[AuditFilter, Depends(audit_filter)]


def queue_filter(
    trainee: Text = "",
    persona: Text = "",
    mode: Text = "",
    since: Text = "",
    until: Text = "",
    flagged: Text = "",
    reviewed: Text = "",
    sort: Text = "newest",
) -> QueueFilter:
    """The review queue's filters: flagged and reviewed are "yes", "no" or anything else (either)."""
    return QueueFilter(
        trainee_id=as_id(trainee),
        persona=persona or None,
        mode=mode if mode in ("practice", "assessment") else None,
        since=as_date(since),
        until=as_date(until),
        flagged=as_choice(flagged),
        reviewed=as_choice(reviewed),
        sort=cast(SortKey, sort if sort in SORT_KEYS else "newest"),
    )


QueueQuery = Annotated[QueueFilter, Depends(queue_filter)]


def page_link(url: URL, page: int) -> str:
    """The same list on another page, its filters kept."""
    return f"{url.path}?{url.include_query_params(page=page).query}"


def paged(response: Response, url: URL, page: Page[ItemT]) -> list[ItemT]:
    """A page of a JSON list: the items in the body; the total and the pages beside in the headers
    (`X-Total-Count`, and `Link` with rel="prev" / rel="next", RFC 8288)."""
    response.headers["X-Total-Count"] = str(page.total)
    links = [(page.page - 1, "prev")] if page.has_previous else []
    links += [(page.page + 1, "next")] if page.has_next else []
    if links:
        response.headers["Link"] = ", ".join(
            f'<{url.path}?{url.include_query_params(page=n, per_page=page.per_page).query}>; rel="{rel}"'
            for n, rel in links
        )
    return page.items
