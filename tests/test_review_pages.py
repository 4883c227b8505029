"""The supervisor's replay with reviews: overrides and comments as plain form POSTs, who may post them,
what the trainee sees, the export, and CSRF. Template context first, HTML second."""

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.config import Settings, get_settings
from app.models import AuditEvent, Review, User
from app.practice.context import build_context
from app.practice.sessions import start_session as start_practice
from tests.factories import EMPATHIC_LINES, PASSWORD, say, start_session


def ctx(response: Any) -> dict[str, Any]:
    context: dict[str, Any] = response.context
    return context


def practised(client: TestClient) -> tuple[str, int]:
    """A session of the signed-in trainee (cohort-a) with one graded reply: (session id, trainee turn id)."""
    session_id = start_session(client)["id"]
    turn_id = say(client, session_id, EMPATHIC_LINES[0])["turn"]["id"]
    return session_id, turn_id


def review_url(session_id: str, turn_id: int) -> str:
    return f"/supervisor/sessions/{session_id}/turns/{turn_id}/reviews"


def step_of(response: Any, turn_id: int) -> Any:
    return next(step for step in ctx(response)["steps"] if step.turn.id == turn_id)


def audit(db: Session, action: str) -> list[AuditEvent]:
    db.expire_all()
    return list(db.exec(select(AuditEvent).where(AuditEvent.action == action)).all())


def reviews(db: Session) -> list[Review]:
    db.expire_all()
    return list(db.exec(select(Review)).all())


@pytest.fixture
def supervisor(client_for: Callable[..., TestClient]) -> TestClient:
    return client_for("supervisor", username="sam", cohort="cohort-a")


def test_reviewer_sees_review_forms_and_export_link(client: TestClient, supervisor: TestClient) -> None:
    session_id, turn_id = practised(client)
    page = supervisor.get(f"/supervisor/sessions/{session_id}")
    assert page.status_code == 200
    assert ctx(page)["can_review"] is True and ctx(page)["with_reviews"] is True
    step = step_of(page, turn_id)
    assert step.reviewable and step.notes == [] and step.anchor == "t2"
    labels = ctx(page)["level_labels"]
    assert labels["pressure"][2][0] == "Clear pressure" and labels["pressure"][2][1].startswith("Clear pressure:")
    assert page.text.count(f'action="{review_url(session_id, turn_id)}"') == 2, "an override form and a comment form"
    assert page.text.count('name="csrftoken"') >= 3, "each form carries the token (and the sign-out form)"
    for name in ('name="dimension"', 'name="level"', 'name="kind" value="override"', 'name="kind" value="comment"'):
        assert name in page.text
    assert f'href="/supervisor/sessions/{session_id}/export"' in page.text
    assert "data-level-labels=" in page.text and "Clear pressure" in page.text


def test_override_changes_the_effective_score_keeps_the_grade_and_is_audited(
    client: TestClient, supervisor: TestClient, db: Session
) -> None:
    session_id, turn_id = practised(client)
    graded = step_of(supervisor.get(f"/supervisor/sessions/{session_id}"), turn_id).turn.grade.scores["empathy"]
    new_level = 0 if graded else 3
    response = supervisor.post(
        review_url(session_id, turn_id),
        data={"kind": "override", "dimension": "empathy", "level": str(new_level), "text": "It reads as a lecture."},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/supervisor/sessions/{session_id}#t2"

    page = supervisor.get(response.headers["location"])
    step = step_of(page, turn_id)
    assert step.turn.grade.scores["empathy"] == graded, "the original grade stays"
    assert step.turn.scores["empathy"] == new_level
    assert step.graded_as == {"empathy": graded}
    [note] = step.notes
    assert (note.dimension_name, note.before, note.review.level) == ("Empathy and understanding", graded, new_level)
    assert note.review.author_name == "sam"
    assert f"Empathy and understanding {graded} → {new_level}</strong> because It reads as a lecture." in page.text
    assert "Scores after review" in page.text and f"graded {graded}" in page.text
    [event] = audit(db, "override")
    assert event.actor_name == "sam" and event.target == f"turn:{turn_id}"
    assert event.detail == {"session": session_id, "dimension": "empathy", "level": new_level}


def test_a_second_override_shows_the_level_before_it(client: TestClient, supervisor: TestClient) -> None:
    session_id, turn_id = practised(client)
    graded = step_of(supervisor.get(f"/supervisor/sessions/{session_id}"), turn_id).turn.grade.scores["empathy"]
    first, second = (graded + 1) % 5, (graded + 2) % 5
    for level, reason in [(first, "first look"), (second, "on reflection")]:
        data = {"kind": "override", "dimension": "empathy", "level": str(level), "text": reason}
        assert supervisor.post(review_url(session_id, turn_id), data=data, follow_redirects=False).status_code == 303
    step = step_of(supervisor.get(f"/supervisor/sessions/{session_id}"), turn_id)
    assert [(n.before, n.review.level) for n in step.notes] == [(graded, first), (first, second)]
    assert step.turn.scores["empathy"] == second and step.graded_as == {"empathy": graded}


def test_an_override_that_changes_nothing_is_refused(client: TestClient, supervisor: TestClient, db: Session) -> None:
    session_id, turn_id = practised(client)
    graded = step_of(supervisor.get(f"/supervisor/sessions/{session_id}"), turn_id).turn.grade.scores["pressure"]
    data = {"kind": "override", "dimension": "pressure", "level": str(graded), "text": "Agree with the grader."}
    response = supervisor.post(review_url(session_id, turn_id), data=data)
    assert response.status_code == 422
    form = ctx(response)["review_form"]
    assert form.field == "level" and f"Pressure is {graded} already" in form.error and "add a comment" in form.error
    assert 'id="r' in response.text and '-level-error"' in response.text
    assert reviews(db) == []


def test_comment_is_shown_with_its_author_and_audited(client: TestClient, supervisor: TestClient, db: Session) -> None:
    session_id, turn_id = practised(client)
    data = {"kind": "comment", "text": "Lovely reflection <b>here</b>."}
    response = supervisor.post(review_url(session_id, turn_id), data=data, follow_redirects=False)
    assert response.status_code == 303
    page = supervisor.get(f"/supervisor/sessions/{session_id}")
    [note] = step_of(page, turn_id).notes
    assert note.review.kind == "comment" and note.review.text == data["text"] and note.dimension_name is None
    assert step_of(page, turn_id).graded_as == {}, "a comment changes no score"
    assert "Lovely reflection &lt;b&gt;here&lt;/b&gt;." in page.text and "Comment by sam" in page.text
    [event] = audit(db, "comment")
    assert event.target == f"turn:{turn_id}" and event.actor_name == "sam"


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({"kind": "override", "dimension": "empathy", "level": "2", "text": "  "}, "text", "reason"),
        ({"kind": "comment", "text": ""}, "text", "reason or a comment"),
        ({"kind": "comment", "text": "x" * 2001}, "text", "2,000"),
        ({"kind": "override", "dimension": "warmth", "level": "2", "text": "why"}, "dimension", "dimension"),
        ({"kind": "override", "dimension": "empathy", "level": "9", "text": "why"}, "level", "0 to 4"),
        ({"kind": "override", "dimension": "empathy", "level": "", "text": "why"}, "level", "0 to 4"),
        ({"kind": "praise", "text": "why"}, None, "change a score or add a comment"),
    ],
    ids=["blank-reason", "empty-comment", "too-long", "unknown-dimension", "level-9", "no-level", "unknown-kind"],
)
def test_refused_review_shows_the_reason_beside_the_field_and_keeps_the_text(
    client: TestClient, supervisor: TestClient, db: Session, data: dict[str, str], field: str | None, words: str
) -> None:
    session_id, turn_id = practised(client)
    response = supervisor.post(review_url(session_id, turn_id), data=data)
    assert response.status_code == 422
    form = ctx(response)["review_form"]
    assert form.turn_id == turn_id and form.field == field and words in form.error
    assert form.text == data["text"]
    assert reviews(db) == [] and audit(db, "override") == audit(db, "comment") == []
    assert 'role="alert"' in response.text and 'href="#t2"' in response.text
    assert 'class="review-box" open' in response.text, "the form that was refused is open"
    if field is not None:
        assert 'aria-invalid="true"' in response.text and "autofocus" in response.text
        assert 'class="form-error" id="r' in response.text
    if data["text"].strip() and len(data["text"]) < 100:
        assert f">{data['text']}</textarea>" in response.text


def test_review_of_the_peer_turn_or_another_sessions_turn_is_refused(
    client: TestClient, supervisor: TestClient
) -> None:
    session_id, turn_id = practised(client)
    _, other_turn = practised(client)
    peer_turn = step_of(supervisor.get(f"/supervisor/sessions/{session_id}"), turn_id + 1).turn
    assert peer_turn.role == "peer"
    comment = {"kind": "comment", "text": "note"}
    refused = supervisor.post(review_url(session_id, peer_turn.id), data=comment)
    assert refused.status_code == 422 and "trainee's turns" in ctx(refused)["review_form"].error
    assert supervisor.post(review_url(session_id, other_turn), data=comment).status_code == 404
    assert supervisor.post(review_url(session_id, 999_999), data=comment).status_code == 404


def test_trainee_sees_reviews_of_their_session_but_no_forms(
    client: TestClient, supervisor: TestClient, db: Session
) -> None:
    session_id, turn_id = practised(client)
    data = {"kind": "override", "dimension": "pressure", "level": "1", "text": "A little push at the end."}
    supervisor.post(review_url(session_id, turn_id), data=data)
    page = client.get(f"/supervisor/sessions/{session_id}")
    assert page.status_code == 200
    assert ctx(page)["can_review"] is False and ctx(page)["with_reviews"] is True
    assert len(step_of(page, turn_id).notes) == 1
    assert "A little push at the end." in page.text and "Scores after review" in page.text
    assert f'action="{review_url(session_id, turn_id)}"' not in page.text
    assert "/export" not in page.text and "data-level-labels" not in page.text


def test_trainee_without_reviews_sees_the_plain_replay(client: TestClient) -> None:
    session_id, _ = practised(client)
    page = client.get(f"/supervisor/sessions/{session_id}")
    assert ctx(page)["with_reviews"] is False
    assert "review-panel" not in page.text and "page-wide" not in page.text


def test_trainee_cannot_post_reviews_even_on_their_own_session(client: TestClient, db: Session) -> None:
    session_id, turn_id = practised(client)
    data = {"kind": "override", "dimension": "empathy", "level": "4", "text": "I was great"}
    response = client.post(review_url(session_id, turn_id), data=data)
    assert response.status_code == 403
    assert "supervisor" in ctx(response)["message"]
    assert reviews(db) == []


def test_supervisor_of_another_cohort_gets_404_everywhere(
    client: TestClient, client_for: Callable[..., TestClient], db: Session
) -> None:
    session_id, turn_id = practised(client)
    outsider = client_for("supervisor", cohort="cohort-b")
    assert outsider.get(f"/supervisor/sessions/{session_id}").status_code == 404
    data = {"kind": "comment", "text": "Not my trainee"}
    assert outsider.post(review_url(session_id, turn_id), data=data).status_code == 404
    assert outsider.get(f"/supervisor/sessions/{session_id}/export").status_code == 404
    assert reviews(db) == [] and audit(db, "export") == []


@pytest.mark.parametrize("role", ["supervisor", "staff"])
def test_export_downloads_the_transcript_with_reviews_and_is_audited(
    client: TestClient, client_for: Callable[..., TestClient], db: Session, role: str
) -> None:
    session_id, turn_id = practised(client)
    reviewer = client_for(role, cohort="cohort-a" if role == "supervisor" else None)
    reviewer.post(review_url(session_id, turn_id), data={"kind": "comment", "text": "Well done."})
    response = reviewer.get(f"/supervisor/sessions/{session_id}/export")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    name = f"peer-practice-session-{session_id}.json"
    assert response.headers["content-disposition"] == f"attachment; filename=\"{name}\"; filename*=UTF-8''{name}"
    body = json.loads(response.text)
    states = [turn.pop("persona_state") for turn in body["turns"]]
    api_body = client.get(f"/api/sessions/{session_id}").json()
    for turn in api_body["turns"]:
        turn.pop("persona_state")
    assert body["id"] == session_id and body == api_body, "the API's transcript, plus the peer's states"
    peer_states = [s for s, t in zip(states, body["turns"], strict=True) if t["role"] == "peer"]
    assert all(s is not None and 0 <= s["trust"] <= 100 for s in peer_states), "the peer's state after each turn"
    assert all(s is None for s, t in zip(states, body["turns"], strict=True) if t["role"] == "trainee")
    trainee_turn = next(t for t in body["turns"] if t["id"] == turn_id)
    assert trainee_turn["text"] == EMPATHIC_LINES[0] and trainee_turn["reviews"][0]["text"] == "Well done."
    assert trainee_turn["scores"] == trainee_turn["grade"]["scores"]
    [event] = audit(db, "export")
    assert event.target == f"session:{session_id}"


def test_trainee_cannot_export_through_the_supervisor_route(client: TestClient) -> None:
    session_id, _ = practised(client)
    assert client.get(f"/supervisor/sessions/{session_id}/export").status_code == 403


def browser_signed_in(app: FastAPI, username: str) -> TestClient:
    """A fresh browser that signs in through the login form: cookies only, no X-CSRFToken default header."""
    browser = TestClient(app)
    browser.get("/login")
    form = {"username": username, "password": PASSWORD, "csrftoken": browser.cookies["csrftoken"]}
    assert browser.post("/login", data=form, follow_redirects=False).status_code == 303
    assert "X-CSRFToken" not in browser.headers
    return browser


def test_review_without_the_csrf_token_is_refused(
    app: FastAPI, client: TestClient, client_for: Callable[..., TestClient], db: Session
) -> None:
    session_id, turn_id = practised(client)
    client_for("supervisor", username="sam", cohort="cohort-a")
    data = {"kind": "comment", "text": "Forged"}
    with browser_signed_in(app, "sam") as browser:
        refused = browser.post(review_url(session_id, turn_id), data=data, follow_redirects=False)
        assert refused.status_code == 403 and "security token" in refused.text
        assert reviews(db) == []

        # The same form with the hidden field the page carries is accepted.
        page = browser.get(f"/supervisor/sessions/{session_id}")
        token = page.text.split('name="csrftoken" value="', 1)[1].split('"', 1)[0]
        accepted = browser.post(
            review_url(session_id, turn_id), data={**data, "csrftoken": token}, follow_redirects=False
        )
        assert accepted.status_code == 303 and len(reviews(db)) == 1


def test_replay_and_review_still_work_when_the_persona_file_breaks_later(
    content_copy: Path, client: TestClient, supervisor: TestClient, db: Session
) -> None:
    assert get_settings().content_dir == content_copy
    session_id, turn_id = practised(client)
    (content_copy / "personas" / "dana-alcohol.yaml").write_text("name: [broken\n", encoding="utf-8")
    page = supervisor.get(f"/supervisor/sessions/{session_id}")
    assert page.status_code == 200, "the copy saved with the session stands in for the broken file"
    assert ctx(page)["persona"].name == "Dana Whitfield"
    comment = {"kind": "comment", "text": "Still reviewable."}
    assert supervisor.post(review_url(session_id, turn_id), data=comment, follow_redirects=False).status_code == 303
    assert len(reviews(db)) == 1


def test_trainee_mid_assessment_is_sent_back_to_the_chat_but_the_supervisor_replays(
    client: TestClient, supervisor: TestClient, db: Session, settings: Settings
) -> None:
    trainee = db.exec(select(User).where(User.username == "trainee")).one()
    practice = start_practice(
        db=db,
        ctx=build_context(settings),
        persona_id="dana-alcohol",
        rubric_id="crss-core",
        trainee=trainee,
        mode="assessment",
    )
    response = client.get(f"/supervisor/sessions/{practice.id}", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == f"/sessions/{practice.id}"
    assert supervisor.get(f"/supervisor/sessions/{practice.id}").status_code == 200
    client.post(f"/sessions/{practice.id}/end")
    assert client.get(f"/supervisor/sessions/{practice.id}").status_code == 200, "once it ends, the trainee replays"
