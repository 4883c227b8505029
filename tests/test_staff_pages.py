"""The staff page: people and cohorts, content with its validation status, the audit log, deleting a
trainee with a confirmation step. Template context first, HTML second."""

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.auth.accounts import find_user
from app.models import AuditEvent, Cohort, CohortMember, PracticeSession, Turn, User
from app.routes.staff_views import PEOPLE_PAGE
from tests.factories import EMPATHIC_LINES, PASSWORD, csrf_header, make_user, say, start_session

NEW_USER = {"username": "rosa", "display_name": "Rosa Díaz", "role": "trainee", "password": "a long password"}


def ctx(response: Any) -> dict[str, Any]:
    context: dict[str, Any] = response.context
    return context


def audit(db: Session, action: str) -> list[AuditEvent]:
    db.expire_all()
    return list(db.exec(select(AuditEvent).where(AuditEvent.action == action)).all())


def cohorts_of(db: Session, user: User) -> set[str]:
    query = select(Cohort.name).join(CohortMember).where(CohortMember.user_id == user.id)
    return set(db.exec(query).all())


@pytest.fixture
def staff(client_for: Callable[..., TestClient]) -> TestClient:
    return client_for("staff", username="pat")


def test_staff_page_lists_people_content_and_the_audit_log(staff: TestClient, client: TestClient, db: Session) -> None:
    start_session(client)
    page = staff.get("/staff")
    assert page.status_code == 200
    context = ctx(page)
    assert context["section"] == "staff" and context["note"] is None
    people = {row.user.username: row for row in context["people"].items}
    assert people["trainee"].cohorts == ["cohort-a"] and people["trainee"].sessions == 1
    assert people["pat"].user.role == "staff"
    assert [u.username for u in context["members"]] == ["trainee"], "staff are never cohort members"
    content = {(row.kind, row.item_id): row for row in context["content"]}
    assert content[("rubric", "crss-core")].ok and content[("rubric", "crss-core")].version
    assert content[("persona", "dana-alcohol")].name == "Dana Whitfield"
    assert len(context["events"]) <= 100
    assert 'href="/staff/users/' in page.text and "/delete" in page.text
    assert 'action="/staff/users"' in page.text and 'action="/staff/cohorts/members"' in page.text
    assert page.text.count('name="csrftoken"') >= 3
    assert 'name="persona" value="dana-alcohol"' in page.text and "Preview" in page.text
    assert 'id="people"' in page.text and 'id="content"' in page.text and 'id="audit"' in page.text


@pytest.mark.parametrize("role", ["trainee", "supervisor"])
def test_others_get_the_403_page(client_for: Callable[..., TestClient], role: str) -> None:
    other = client_for(role)
    response = other.get("/staff")
    assert response.status_code == 403
    assert "role" in ctx(response)["message"] and "<h1>" in response.text
    assert other.post("/staff/users", data=NEW_USER).status_code == 403


def test_anonymous_is_sent_to_sign_in(anon_client: TestClient) -> None:
    response = anon_client.get("/staff", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login?next=/staff"


def test_staff_creates_a_user_in_a_new_cohort(staff: TestClient, db: Session) -> None:
    response = staff.post("/staff/users", data={**NEW_USER, "cohort": "Spring 2025"}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/staff#people"
    user = find_user(db=db, username="rosa")
    assert user is not None and user.role == "trainee" and user.display_name == "Rosa Díaz"
    assert cohorts_of(db, user) == {"Spring 2025"}
    [event] = audit(db, "create-user")
    assert event.actor_name == "pat" and event.target == f"user:{user.id}"
    assert event.detail == {"role": "trainee", "cohort": "Spring 2025"}

    page = staff.get("/staff")
    assert ctx(page)["note"] == "Created rosa (trainee) in Spring 2025."
    assert 'role="status"' in page.text
    assert ctx(staff.get("/staff"))["note"] is None, "the note shows once"

    with TestClient(staff.app) as rosa:
        csrf_header(rosa)
        assert rosa.post("/api/auth/login", json={"username": "rosa", "password": NEW_USER["password"]}).is_success


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"username": "two words"}, "username", "without spaces"),
        ({"username": "trainee"}, "username", "taken"),
        ({"password": "short"}, "password", "at least 12"),
        ({"role": "admin"}, "role", "Role must be one of"),
        ({"role": "staff", "cohort": "cohort-a"}, "cohort", "Staff see every cohort"),
        ({"cohort": "c" * 121}, "cohort", "1-120"),
        ({"display_name": "d" * 121}, "display_name", "120"),
    ],
    ids=["space", "taken", "short-password", "bad-role", "staff-in-cohort", "long-cohort", "long-name"],
)
def test_refused_user_shows_the_reason_beside_the_field(
    staff: TestClient, client: TestClient, db: Session, changes: dict[str, str], field: str, words: str
) -> None:
    form = {**NEW_USER, **changes}
    users_before = len(db.exec(select(User)).all())
    cohorts_before = len(db.exec(select(Cohort)).all())
    response = staff.post("/staff/users", data=form)
    assert response.status_code == 422
    state = ctx(response)["new_user"]
    assert list(state.errors) == [field] and words in state.errors[field]
    assert state.values["username"] == form["username"] and "password" not in state.values
    assert len(db.exec(select(User)).all()) == users_before, "nothing half-made"
    assert len(db.exec(select(Cohort)).all()) == cohorts_before
    assert audit(db, "create-user") == []
    field_id = {"display_name": "new-display-name"}.get(field, f"new-{field}")
    assert f'id="{field_id}-error"' in response.text and f'aria-describedby="{field_id}-error"' in response.text
    assert NEW_USER["password"] not in response.text


def test_staff_adds_an_existing_user_to_a_new_cohort(
    staff: TestClient, client: TestClient, client_for: Callable[..., TestClient], db: Session
) -> None:
    session_id = start_session(client)["id"]
    supervisor = client_for("supervisor", username="sam", cohort="cohort-b")
    assert supervisor.get(f"/supervisor/sessions/{session_id}").status_code == 404

    response = staff.post(
        "/staff/cohorts/members", data={"username": "sam", "cohort": "cohort-a"}, follow_redirects=False
    )
    assert response.status_code == 303
    sam = find_user(db=db, username="sam")
    assert sam is not None and cohorts_of(db, sam) == {"cohort-a", "cohort-b"}
    assert supervisor.get(f"/supervisor/sessions/{session_id}").status_code == 200, "now sam supervises the trainee"
    [event] = audit(db, "add-member")
    assert event.detail == {"user": "sam"}
    assert ctx(staff.get("/staff"))["note"] == "sam supervises cohort-a."

    brand_new = staff.post(
        "/staff/cohorts/members", data={"username": "trainee", "cohort": "Evening group"}, follow_redirects=False
    )
    assert brand_new.status_code == 303
    assert "Evening group" in [c.name for c in ctx(staff.get("/staff"))["cohorts"]]


@pytest.mark.parametrize(
    ("form", "field", "words"),
    [
        ({"username": "nobody", "cohort": "cohort-a"}, "username", "No user called 'nobody'"),
        ({"username": "pat", "cohort": "cohort-a"}, "username", "Staff see every cohort"),
        ({"username": "trainee", "cohort": "   "}, "cohort", "1-120"),
    ],
    ids=["unknown-user", "staff", "blank-cohort"],
)
def test_refused_membership_shows_the_reason(
    staff: TestClient, client: TestClient, db: Session, form: dict[str, str], field: str, words: str
) -> None:
    response = staff.post("/staff/cohorts/members", data=form)
    assert response.status_code == 422
    state = ctx(response)["new_member"]
    assert list(state.errors) == [field] and words in state.errors[field]
    assert f'id="member-{field}-error"' in response.text
    assert audit(db, "add-member") == []


def test_staff_deletes_a_trainee_after_confirming(staff: TestClient, client: TestClient, db: Session) -> None:
    session_id = start_session(client)["id"]
    say(client, session_id, EMPATHIC_LINES[0])
    trainee = find_user(db=db, username="trainee")
    assert trainee is not None
    trainee_id = trainee.id

    confirm = staff.get(f"/staff/users/{trainee_id}/delete")
    assert confirm.status_code == 200
    counts = ctx(confirm)["counts"]
    assert ctx(confirm)["person"].username == "trainee"
    assert (counts.sessions, counts.turns, counts.reviews_written) == (1, 3, 0)
    assert f'<form method="post" action="/staff/users/{trainee_id}/delete"' in confirm.text
    assert "1</strong> practice session," in confirm.text and 'name="csrftoken"' in confirm.text
    assert db.get(User, trainee_id) is not None, "looking at the confirmation deletes nothing"

    response = staff.post(f"/staff/users/{trainee_id}/delete", data={"password": PASSWORD}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/staff#people"
    db.expire_all()
    assert db.get(User, trainee_id) is None
    assert db.get(PracticeSession, session_id) is None
    assert db.exec(select(Turn).where(Turn.session_id == session_id)).all() == []
    assert db.exec(select(CohortMember).where(CohortMember.user_id == trainee_id)).all() == []
    [event] = audit(db, "delete-user")
    assert event.actor_name == "pat" and event.target == f"user:{trainee_id}"
    assert event.detail == {"username": "trainee", "sessions_deleted": 1}
    page = staff.get("/staff")
    assert ctx(page)["note"] == "Deleted trainee and 1 practice session."
    assert "trainee" not in [row.user.username for row in ctx(page)["people"].items]
    assert staff.get(f"/staff/users/{trainee_id}/delete").status_code == 404


def test_staff_cannot_delete_themselves(staff: TestClient, db: Session) -> None:
    me = find_user(db=db, username="pat")
    assert me is not None
    assert staff.get(f"/staff/users/{me.id}/delete").status_code == 409
    assert staff.post(f"/staff/users/{me.id}/delete").status_code == 409
    db.expire_all()
    assert db.get(User, me.id) is not None
    assert f"/staff/users/{me.id}/delete" not in staff.get("/staff").text


def test_preview_starts_a_practice_session_for_the_staff_member(staff: TestClient, db: Session) -> None:
    page = staff.get("/staff")
    persona = next(row for row in ctx(page)["content"] if row.kind == "persona" and row.ok)
    form = {"persona": persona.item_id, "rubric": ctx(page)["default_rubric"]}
    response = staff.post("/sessions", data=form, follow_redirects=False)
    assert response.status_code == 303
    session_id = response.headers["location"].rsplit("/", 1)[1]
    practice = db.get(PracticeSession, session_id)
    me = find_user(db=db, username="pat")
    assert practice is not None and me is not None and practice.trainee_id == me.id
    assert staff.get(response.headers["location"]).status_code == 200


def test_content_shows_a_broken_persona_and_picks_up_the_fix(staff: TestClient, content_copy: Path) -> None:
    good = (content_copy / "personas" / "dana-alcohol.yaml").read_text(encoding="utf-8")
    broken = content_copy / "personas" / "broken-peer.yaml"
    broken.write_text(
        good.replace("id: dana-alcohol", "id: broken-peer") + "\nfavourite_colour: teal\n", encoding="utf-8"
    )
    (content_copy / "personas" / "no-yaml.yaml").write_text("name: [unclosed\n", encoding="utf-8")

    page = staff.get("/staff")
    rows = {row.item_id: row for row in ctx(page)["content"]}
    assert set(rows) == {"crss-core", "mi-consistency", "dana-alcohol", "broken-peer", "no-yaml"}
    assert rows["dana-alcohol"].ok and rows["dana-alcohol"].version
    assert not rows["broken-peer"].ok and rows["broken-peer"].file == "personas/broken-peer.yaml"
    assert any("favourite_colour" in problem for problem in rows["broken-peer"].problems)
    assert rows["no-yaml"].problems[0].startswith("broken YAML at line")
    assert page.text.count("status-invalid") == 2 and "favourite_colour" in page.text
    assert "3 valid · <strong" in page.text and "2 invalid</strong>" in page.text
    previews = re.findall(r'name="persona" value="([^"]+)"', page.text)
    assert previews == ["dana-alcohol"], "only valid personas can be previewed"

    broken.write_text(good.replace("id: dana-alcohol", "id: broken-peer"), encoding="utf-8")
    rows = {row.item_id: row for row in ctx(staff.get("/staff"))["content"]}
    assert rows["broken-peer"].ok, "the fixed file is picked up without a restart"


def test_staff_form_without_the_csrf_token_is_refused(
    app: FastAPI, client_for: Callable[..., TestClient], db: Session
) -> None:
    client_for("staff", username="pat")
    with TestClient(app) as browser:  # a fresh browser: cookies only, no X-CSRFToken default header
        browser.get("/login")
        login = {"username": "pat", "password": PASSWORD, "csrftoken": browser.cookies["csrftoken"]}
        assert browser.post("/login", data=login, follow_redirects=False).status_code == 303
        refused = browser.post("/staff/users", data=NEW_USER, follow_redirects=False)
        assert refused.status_code == 403
        assert find_user(db=db, username="rosa") is None
        target = make_user(db, role="trainee")
        assert browser.post(f"/staff/users/{target.id}/delete", follow_redirects=False).status_code == 403
        db.expire_all()
        assert db.get(User, target.id) is not None


@pytest.mark.parametrize("role", ["trainee", "supervisor", "staff"])
def test_everyone_signed_in_can_download_their_data(client_for: Callable[..., TestClient], role: str) -> None:
    user_client = client_for(role)
    page = user_client.get("/supervisor")
    assert 'href="/me/export"' in page.text and "Download my data" in page.text
    download = user_client.get("/me/export")
    assert download.status_code == 200 and download.headers["content-disposition"].startswith("attachment")


def test_people_list_is_paged(staff: TestClient, db: Session) -> None:
    for _ in range(PEOPLE_PAGE.per_page):
        make_user(db)
    first = ctx(staff.get("/staff"))["people"]
    assert first.total == PEOPLE_PAGE.per_page + 1 and len(first.items) == PEOPLE_PAGE.per_page and first.has_next
    second = staff.get("/staff?page=2")
    assert len(ctx(second)["people"].items) == 1 and 'rel="prev"' in second.text
