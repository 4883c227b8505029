"""The staff page: people and cohorts, content files with their validation status, the audit log.

Staff only (others get the 403 page). Every form is a plain POST answered with 303 back to the page,
or with the page again (422) showing the reason beside the field and what was typed.
"""

from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request, Response, status

from app.auth.accounts import AccountError, add_person, join_cohort
from app.auth.audit import record
from app.auth.deps import StaffUser
from app.auth.privacy import count_user_data, delete_user_data
from app.db import SessionDep
from app.models import User
from app.practice.context import PracticeDep
from app.routes.guards import RecordId
from app.routes.list_params import PageQuery
from app.routes.page_kit import PageNotFound, PageRoute, flash, render, see_other, take_flash
from app.routes.staff_views import PEOPLE_PAGE, FormState, staff_context

router = APIRouter(route_class=PageRoute, include_in_schema=False)

# No max_length here: an over-long value gets a readable refusal from app.auth.accounts, not a JSON 422.
FormText = Annotated[str, Form()]


@router.get("/staff")
def staff_home(request: Request, db: SessionDep, ctx: PracticeDep, _staff: StaffUser, paging: PageQuery) -> Response:
    people_page = replace(PEOPLE_PAGE, page=paging.page)
    return render(
        request, "staff.html", staff_context(db=db, ctx=ctx, note=take_flash(request), people_page=people_page)
    )


@router.post("/staff/users")
def create_user_page(
    request: Request,
    db: SessionDep,
    ctx: PracticeDep,
    staff: StaffUser,
    username: FormText = "",
    display_name: FormText = "",
    role: FormText = "trainee",
    password: FormText = "",
    cohort: FormText = "",
) -> Response:
    values = {"username": username, "display_name": display_name, "role": role, "cohort": cohort}
    try:
        user = add_person(
            db=db, username=username, password=password, role=role, display_name=display_name, cohort=cohort
        )
    except AccountError as exc:
        form = FormState(values=values, errors={exc.field or "username": str(exc)})
        context = staff_context(db=db, ctx=ctx, new_user=form)
        return render(request, "staff.html", context, status.HTTP_422_UNPROCESSABLE_CONTENT)
    record(db=db, actor=staff, action="create-user", target=f"user:{user.id}", role=user.role, cohort=cohort or None)
    flash(request, f"Created {user.username} ({user.role})" + (f" in {cohort.strip()}." if cohort.strip() else "."))
    return see_other("/staff#people")


@router.post("/staff/cohorts/members")
def add_member_page(
    request: Request, db: SessionDep, ctx: PracticeDep, staff: StaffUser, username: FormText = "", cohort: FormText = ""
) -> Response:
    try:
        user, group = join_cohort(db=db, username=username, cohort=cohort)
    except AccountError as exc:
        form = FormState(values={"username": username, "cohort": cohort}, errors={exc.field or "cohort": str(exc)})
        context = staff_context(db=db, ctx=ctx, new_member=form)
        return render(request, "staff.html", context, status.HTTP_422_UNPROCESSABLE_CONTENT)
    record(db=db, actor=staff, action="add-member", target=f"cohort:{group.id}", user=user.username)
    how = "supervises" if user.role == "supervisor" else "is a member of"
    flash(request, f"{user.username} {how} {group.name}.")
    return see_other("/staff#people")


def _user_to_delete(db: SessionDep, staff: User, user_id: int) -> User:
    user = db.get(User, user_id)
    if user is None:
        raise PageNotFound("No such user: they may have been deleted already.")
    if user.id == staff.id:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "You cannot delete your own account.")
    return user


@router.get("/staff/users/{user_id}/delete")
def confirm_delete(request: Request, user_id: RecordId, db: SessionDep, staff: StaffUser) -> Response:
    """What deleting this user removes, and the button that does it."""
    user = _user_to_delete(db, staff, user_id)
    context = {"section": "staff", "person": user, "counts": count_user_data(db=db, user=user)}
    return render(request, "confirm_delete.html", context)


@router.post("/staff/users/{user_id}/delete")
def delete_user_page(request: Request, user_id: RecordId, db: SessionDep, staff: StaffUser) -> Response:
    user = _user_to_delete(db, staff, user_id)
    username = user.username
    deleted = delete_user_data(db=db, user=user)
    record(
        db=db, actor=staff, action="delete-user", target=f"user:{user_id}", username=username, sessions_deleted=deleted
    )
    flash(request, f"Deleted {username} and {deleted} practice session{'' if deleted == 1 else 's'}.")
    return see_other("/staff#people")
