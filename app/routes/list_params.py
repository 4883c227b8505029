"""Query parameters of the paged, filtered lists, read leniently: a value that does not parse is left out
(and the form shows what was typed), never a 422 page for a mistyped date."""

from datetime import date
from typing import Annotated

from fastapi import Query

from app.practice.paging import PER_PAGE, PageRequest

PageNumber = Annotated[int, Query(ge=1, le=100_000)]
PerPage = Annotated[int, Query(ge=1, le=200)]
Text = Annotated[str, Query(max_length=80)]


def paging(page: int, per_page: int) -> PageRequest:
    return PageRequest(page=page, per_page=per_page)


def as_date(value: str) -> date | None:
    try:
        return date.fromisoformat(value.strip()) if value.strip() else None
    except ValueError:
        return None


def as_choice(value: str) -> bool | None:
    """"yes" / "no" / anything else (any)."""
    return {"yes": True, "no": False}.get(value.strip().lower())


def as_id(value: str) -> int | None:
    return int(value) if value.strip().isdigit() and len(value.strip()) < 10 else None


__all__ = ["PER_PAGE", "PageNumber", "PerPage", "Text", "as_choice", "as_date", "as_id", "paging"]
