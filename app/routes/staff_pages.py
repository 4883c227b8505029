"""The staff page: people and cohorts, content files with their validation status, the audit log.

Staff only (others get the 403 page). Every form is a plain POST answered with 303 back to the page,
or with the page again (422) showing the reason beside the field and what was typed.
"""

from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Form, Request, Response, status

from app.auth.accounts import AccountError
from app.auth.deps import StaffUser
from app.auth.privacy import count_user_data
from app.config import get_settings
from app.db import SessionDep
from app.errors import NotFound
from app.models import User
from app.practice.context import PracticeDep
from app.practice.people import add_cohort_member, create_user, delete_user, make_reset_code, user_to_delete
from app.routes.auth_api import confirm_staff_action
from app.routes.guards import RecordId
from app.routes.list_params import PageQuery
from app.routes.page_kit import flash, render, see_other, take_flash
from app.routes.staff_views import PEOPLE_PAGE, FormState, staff_context

router = APIRouter(include_in_schema=False)

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
        user = create_user(
            db=db, staff=staff, username=username, password=password, role=role, display_name=display_name,
            cohort=cohort,
        )
    except AccountError as exc:
        db.rollback()
        form = FormState(values=values, errors={exc.field or "username": exc.message})
        context = staff_context(db=db, ctx=ctx, new_user=form)
        return render(request, "staff.html", context, status.HTTP_422_UNPROCESSABLE_CONTENT)
    flash(request, f"Created {user.username} ({user.role})" + (f" in {cohort.strip()}." if cohort.strip() else "."))
    return see_other("/staff#people")


@router.post("/staff/cohorts/members")
def add_member_page(
    request: Request, db: SessionDep, ctx: PracticeDep, staff: StaffUser, username: FormText = "", cohort: FormText = ""
) -> Response:
    try:
        added = add_cohort_member(db=db, staff=staff, username=username, cohort=cohort)
    except AccountError as exc:
        db.rollback()
        form = FormState(values={"username": username, "cohort": cohort}, errors={exc.field or "cohort": exc.message})
        context = staff_context(db=db, ctx=ctx, new_member=form)
        return render(request, "staff.html", context, status.HTTP_422_UNPROCESSABLE_CONTENT)
    user, group = added.user, added.cohort
    how = "supervises" if user.role == "supervisor" else "is a member of"
    flash(request, f"{user.username} {how} {group.name}.")
    return see_other("/staff#people")


def _confirm_delete_page(request: Request, db: SessionDep, user: User, error: str | None, code: int = 200) -> Response:
    context = {"section": "staff", "person": user, "counts": count_user_data(db=db, user=user), "error": error}
    return render(request, "confirm_delete.html", context, code)


@router.get("/staff/users/{user_id}/delete")
def confirm_delete(request: Request, user_id: RecordId, db: SessionDep, staff: StaffUser) -> Response:
    """What deleting this user removes, and the button that does it (after your password again)."""
    return _confirm_delete_page(request, db, user_to_delete(db=db, staff=staff, user_id=user_id), None)


@router.post("/staff/users/{user_id}/delete")
def delete_user_page(
    request: Request, user_id: RecordId, db: SessionDep, staff: StaffUser, password: FormText = ""
) -> Response:
    user = user_to_delete(db=db, staff=staff, user_id=user_id)
    if not confirm_staff_action(request, db, staff, password):
        error = "Your password is not right. Deleting someone needs your own password again."
        return _confirm_delete_page(request, db, user, error, status.HTTP_403_FORBIDDEN)
    deleted = delete_user(db=db, staff=staff, user_id=user_id)
    count = deleted.sessions_deleted
    flash(request, f"Deleted {deleted.username} and {count} practice session{'' if count == 1 else 's'}.")
    return see_other("/staff#people")


@router.get("/staff/users/{user_id}/reset")
def confirm_reset(request: Request, user_id: RecordId, db: SessionDep, _staff: StaffUser) -> Response:
    """Ask for the staff member's password before making a one-time reset code."""
    person = _person(db, user_id)
    return render(request, "reset_code.html", {"section": "staff", "person": person, "error": None, "code": None})


@router.post("/staff/users/{user_id}/reset")
def reset_code_page(
    request: Request, user_id: RecordId, db: SessionDep, staff: StaffUser, password: FormText = ""
) -> Response:
    """The code is shown once, here; only its hash is kept."""
    person = _person(db, user_id)
    context = {"section": "staff", "person": person, "error": None, "code": None}
    if not confirm_staff_action(request, db, staff, password):
        context["error"] = "Your password is not right. Making a reset code needs your own password again."
        return render(request, "reset_code.html", context, status.HTTP_403_FORBIDDEN)
    issued = make_reset_code(db=db, staff=staff, user_id=user_id, max_age_s=get_settings().reset_code_max_age_s)
    return render(request, "reset_code.html", {**context, "code": issued.code, "expires_at": issued.expires_at})


def _person(db: SessionDep, user_id: int) -> User:
    user = db.get(User, user_id)
    if user is None:
        raise NotFound("No such user: they may have been deleted.")
    return user
