"""Query parameters of the paged, filtered lists, read leniently: a value that does not parse is left out
(and the form shows what was typed), never a 422 page for a mistyped date."""

from datetime import date
from typing import Annotated

from fastapi import Query, Response
from fastapi.datastructures import URL

from app.practice.paging import PER_PAGE, ItemT, Page, PageRequest

PageNumber = Annotated[int, Query(ge=1, le=100_000)]
PerPage = Annotated[int, Query(ge=1, le=200)]
Text = Annotated[str, Query(max_length=80)]


__all__ = ["PER_PAGE", "PageNumber", "PerPage", "Text", "as_choice", "as_date", "as_id", "page_link", "paged", "paging"]


def paging(page: int, per_page: int) -> PageRequest:
    return PageRequest(page=page, per_page=per_page)


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
