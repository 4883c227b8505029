"""The supervision pages: review queue (filters, sort, paging, reviewed marker, new-review badge),
progress with charts and tables, cohort dashboard, agreement, blind review, printable report, audit log."""

import json
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape as markupsafe_escape
from sqlmodel import Session, select

from app.models import AuditEvent, BlindGrade, Cohort, User
from tests.factories import EMPATHIC_LINES, PUSHING_LINES, say, start_session

KEYS = ["pressure", "authority", "dependency", "boundaries", "empathy"]


def ctx(response: Any) -> dict[str, Any]:
    context: dict[str, Any] = response.context
    return context


def the_id(db: Session, model: type[User] | type[Cohort], field: Any, value: str) -> int:
    row = db.exec(select(model).where(field == value)).one()
    return int(row.id or 0)


@pytest.fixture
def supervisor(client_for: Callable[..., TestClient]) -> TestClient:
    return client_for("supervisor", username="sam", cohort="cohort-a")


def practised(
    client: TestClient, lines: list[str], persona: str = "dana-alcohol", end: bool = True
) -> tuple[str, list[dict[str, Any]]]:
    session_id = start_session(client, persona=persona)["id"]
    turns = [say(client, session_id, line) for line in lines]
    if end:
        assert client.post(f"/api/sessions/{session_id}/end").status_code == 200
    return session_id, turns


def comment(supervisor: TestClient, session_id: str, turn_id: int) -> None:
    response = supervisor.post(
        f"/api/sessions/{session_id}/turns/{turn_id}/reviews", json={"kind": "comment", "text": "Good listening."}
    )
    assert response.status_code == 201, response.text


def test_queue_filters_by_reviewed_flagged_persona_and_marks_reviewed(
    client: TestClient, supervisor: TestClient
) -> None:
    calm, calm_turns = practised(client, EMPATHIC_LINES[:1])
    pushy, _ = practised(client, PUSHING_LINES, persona="marcus-buprenorphine")
    comment(supervisor, calm, calm_turns[0]["turn"]["id"])
    everything = ctx(supervisor.get("/supervisor"))["rows"]
    assert everything.total == 2 and [r.practice.id for r in everything.items] == [pushy, calm], "newest first"
    marked = {r.practice.id: r.reviewed for r in everything.items}
    assert marked == {calm: True, pushy: False}
    waiting = ctx(supervisor.get("/supervisor?reviewed=no"))["rows"].items
    assert [r.practice.id for r in waiting] == [pushy]
    flagged = ctx(supervisor.get("/supervisor?flagged=yes"))["rows"].items
    assert [r.practice.id for r in flagged] == [pushy] and flagged[0].flagged >= 1
    by_persona = ctx(supervisor.get("/supervisor?persona=dana-alcohol&sort=oldest"))["rows"].items
    assert [r.practice.id for r in by_persona] == [calm]
    assert ctx(supervisor.get("/supervisor?since=2999-01-01"))["rows"].total == 0
    assert ctx(supervisor.get("/supervisor?since=not-a-date"))["rows"].total == 2, "a bad date is ignored"
    page = supervisor.get("/supervisor?per_page=1&page=2")
    rows = ctx(page)["rows"]
    assert rows.pages == 2 and [r.practice.id for r in rows.items] == [calm]
    assert 'rel="prev"' in page.text and "per_page=1" in ctx(page)["previous_url"]
    assert "Reviewed" in supervisor.get("/supervisor").text


def test_trainee_sees_a_new_review_badge_until_they_open_the_session(
    client: TestClient, supervisor: TestClient
) -> None:
    session_id, turns = practised(client, EMPATHIC_LINES[:1])
    assert not ctx(client.get("/supervisor"))["rows"].items[0].new_review
    comment(supervisor, session_id, turns[0]["turn"]["id"])
    listing = client.get("/supervisor")
    assert ctx(listing)["rows"].items[0].new_review and "New review" in listing.text
    assert not ctx(supervisor.get("/supervisor"))["rows"].items[0].new_review, "only the trainee is told"
    assert client.get(f"/supervisor/sessions/{session_id}").status_code == 200
    assert not ctx(client.get("/supervisor"))["rows"].items[0].new_review


def test_progress_page_draws_charts_with_tables(client: TestClient, supervisor: TestClient, db: Session) -> None:
    practised(client, EMPATHIC_LINES[:2])
    practised(client, PUSHING_LINES)
    trainee = the_id(db, User, User.username, "trainee")
    assert client.get("/progress").headers.get("location") is None  # followed: the trainee's own page
    page = supervisor.get(f"/trainees/{trainee}/progress")
    assert page.status_code == 200
    charts = ctx(page)["charts"]
    assert [c.columns for c in charts][-2:] == [["Flagged replies"], ["Final trust"]]
    assert all(len(c.rows) == 2 for c in charts), "one table row per session"
    assert page.text.count("<svg") >= 4 and page.text.count("<table") >= 5
    assert 'role="img"' in page.text and "<polyline" in page.text
    views = db.exec(select(AuditEvent).where(AuditEvent.action == "view-progress")).all()
    assert [v.target for v in views] == [f"user:{trainee}"]


def test_dashboard_rows_per_trainee_with_awaiting_review_and_trends(
    client: TestClient, supervisor: TestClient, client_for: Callable[..., TestClient], db: Session
) -> None:
    practised(client, PUSHING_LINES)
    practised(client, EMPATHIC_LINES[:2])
    client_for("trainee", username="quiet", cohort="cohort-a")
    cohort = the_id(db, Cohort, Cohort.name, "cohort-a")
    assert supervisor.get("/cohorts", follow_redirects=False).headers["location"] == f"/cohorts/{cohort}"
    page = supervisor.get(f"/cohorts/{cohort}")
    dashboard = ctx(page)["dashboard"]
    rows = {r.trainee.username: r for r in dashboard.rows}
    assert set(rows) == {"trainee", "quiet"}
    assert rows["trainee"].sessions == 2 and rows["trainee"].awaiting_review == 2 and rows["quiet"].sessions == 0
    pressure = rows["trainee"].trends["pressure"]
    assert len(pressure.values) == 2 and pressure.change is not None and pressure.change < 0, "less pressure later"
    assert f"/api/cohorts/{cohort}/turns.csv" in page.text and f"/api/cohorts/{cohort}/export.zip" in page.text
    assert client_for("supervisor", cohort="cohort-b").get(f"/cohorts/{cohort}").status_code == 404
    assert client.get(f"/cohorts/{cohort}").status_code == 404


def test_blind_review_hides_the_grade_saves_and_feeds_agreement(
    client: TestClient, supervisor: TestClient, client_for: Callable[..., TestClient], db: Session
) -> None:
    practised(client, [EMPATHIC_LINES[0]])
    cohort = the_id(db, Cohort, Cohort.name, "cohort-a")
    second = client_for("supervisor", username="kim", cohort="cohort-a")
    page = supervisor.get(f"/cohorts/{cohort}/blind-review")
    item = ctx(page)["item"]
    assert item.turn.text == EMPATHIC_LINES[0] and item.context and item.context[-1].role == "peer"
    assert "Coaching" not in page.text and "grader" not in page.text.split("<main", 1)[1].split("Grade each")[0]
    url = f"/cohorts/{cohort}/blind-review/{item.turn.id}"
    partial = supervisor.post(url, data={"level-pressure": "0"})
    assert partial.status_code == 422 and "Empathy" in partial.text
    levels = {"level-pressure": "0", "level-authority": "0", "level-dependency": "0", "level-boundaries": "0"}
    assert supervisor.post(url, data={**levels, "level-empathy": "3"}, follow_redirects=False).status_code == 303
    assert ctx(supervisor.get(f"/cohorts/{cohort}/blind-review"))["item"] is None, "nothing left for sam"
    assert second.post(url, data={**levels, "level-empathy": "2"}, follow_redirects=False).status_code == 303
    assert len(db.exec(select(BlindGrade)).all()) == 2
    body = supervisor.get(f"/api/cohorts/{cohort}/agreement").json()
    assert body["blind_grades"] == 2 and body["dimensions"]["empathy"]["n"] == 2
    between = body["between_supervisors"]
    assert between["empathy"] == {"n": 1, "exact": 0.0, "flag_agreement": 1.0, "kappa": 0.0}
    assert between["pressure"]["kappa"] is None, "both at 0 on one reply: kappa cannot be computed"
    page = supervisor.get(f"/cohorts/{cohort}/agreement")
    assert page.status_code == 200 and "Confusion tables" in page.text and "not computable" in page.text


def test_printable_report_has_transcript_reviews_and_a_print_stylesheet(
    client: TestClient, supervisor: TestClient
) -> None:
    session_id, turns = practised(client, EMPATHIC_LINES[:2])
    comment(supervisor, session_id, turns[0]["turn"]["id"])
    for reader in (client, supervisor):
        page = reader.get(f"/sessions/{session_id}/report")
        assert page.status_code == 200
        assert (
            str(markupsafe_escape(EMPATHIC_LINES[1])) in page.text
            and "Good listening." in page.text
            and "Summary" in page.text
        )
    css = client.get("/static/css/app.css").text
    assert "@media print" in css and ".report-turn { break-inside: avoid" in css


def test_an_override_changes_the_coaching_beside_the_grade(client: TestClient, supervisor: TestClient) -> None:
    session_id, turns = practised(client, [PUSHING_LINES[0]], end=False)
    turn = turns[0]
    flagged = [p["dimension"] for p in turn["grade"]["coaching"]["points"]]
    assert "pressure" in flagged, "the pushing line is coached on pressure"
    response = supervisor.post(
        f"/api/sessions/{session_id}/turns/{turn['turn']['id']}/reviews",
        json={"kind": "override", "dimension": "pressure", "level": 0, "text": "It was a crisis: direct is right."},
    )
    assert response.status_code == 201
    after = next(t for t in client.get(f"/api/sessions/{session_id}").json()["turns"] if t["id"] == turn["turn"]["id"])
    grade = after["grade"]
    assert grade["overrides"] == [
        {
            "dimension": "pressure",
            "graded": turn["grade"]["scores"]["pressure"],
            "reviewed": 0,
            "reason": "It was a crisis: direct is right.",
            "author": "sam",
        }
    ]
    assert "pressure" not in [p["dimension"] for p in grade["coaching"]["points"]]
    assert "supervisor reviewed" in grade["coaching"]["summary"]
    chat = client.get(f"/sessions/{session_id}")
    assert "It was a crisis: direct is right." in chat.text and 'data-reviewed="true"' in chat.text


def test_views_of_one_session_are_audited_once_in_a_short_window(
    client: TestClient, supervisor: TestClient, db: Session
) -> None:
    session_id, _ = practised(client, EMPATHIC_LINES[:1])
    for _ in range(3):
        assert supervisor.get(f"/supervisor/sessions/{session_id}").status_code == 200
    db.expire_all()
    views = db.exec(select(AuditEvent).where(AuditEvent.action == "view")).all()
    assert len(views) == 1


def test_audit_log_page_and_api_filter_and_page(
    client: TestClient, supervisor: TestClient, client_for: Callable[..., TestClient]
) -> None:
    first, _ = practised(client, EMPATHIC_LINES[:1])
    second, _ = practised(client, EMPATHIC_LINES[1:2])
    supervisor.get(f"/supervisor/sessions/{first}")
    supervisor.get(f"/supervisor/sessions/{second}")
    staff = client_for("staff", username="stella")
    staff.get(f"/supervisor/sessions/{first}")
    page = staff.get("/staff/audit?actor=sam&action=view")
    events = ctx(page)["page"]
    assert events.total == 2 and {e.actor_name for e in events.items} == {"sam"}
    one = staff.get("/api/audit?action=view&per_page=1")
    assert one.status_code == 200 and len(one.json()) == 1 and one.headers["X-Total-Count"] == "3"
    assert 'rel="next"' in one.headers["Link"]
    assert staff.get("/api/audit?since=2999-01-01").json() == []
    assert supervisor.get("/staff/audit").status_code == 403


def test_session_and_user_lists_are_paged(client: TestClient, client_for: Callable[..., TestClient]) -> None:
    ids = [start_session(client)["id"] for _ in range(3)]
    first = client.get("/api/sessions?per_page=2")
    assert [s["id"] for s in first.json()] == ids[::-1][:2] and first.headers["X-Total-Count"] == "3"
    second = client.get("/api/sessions?per_page=2&page=2")
    assert [s["id"] for s in second.json()] == [ids[0]] and 'rel="prev"' in second.headers["Link"]
    staff = client_for("staff")
    users = staff.get("/api/users?per_page=1")
    assert len(users.json()) == 1 and users.headers["X-Total-Count"] == "2"


def test_label_export_in_the_labelling_guide_format(client: TestClient, supervisor: TestClient, db: Session) -> None:
    session_id, turns = practised(client, [PUSHING_LINES[0], EMPATHIC_LINES[0]])
    turn = turns[0]
    supervisor.post(
        f"/api/sessions/{session_id}/turns/{turn['turn']['id']}/reviews",
        json={"kind": "override", "dimension": "empathy", "level": 2, "text": "There is warmth in it."},
    )
    cohort = the_id(db, Cohort, Cohort.name, "cohort-a")
    response = supervisor.get(f"/api/labels.jsonl?rubric=crss-core&cohort={cohort}")
    assert response.status_code == 200
    [example] = [json.loads(line) for line in response.text.splitlines()]
    assert set(example) == {"id", "context", "reply", "labels", "why"}
    assert example["reply"] == PUSHING_LINES[0] and example["context"][-1]["role"] == "peer"
    assert example["labels"] == {**turn["grade"]["scores"], "empathy": 2} and "warmth" in example["why"]
    assert supervisor.get("/api/labels.jsonl?rubric=nope").status_code == 404
    assert client.get(f"/api/labels.jsonl?rubric=crss-core&cohort={cohort}").status_code == 404
