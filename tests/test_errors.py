"""Domain refusals answer the same way on both faces: the same status, JSON `detail` or an error page."""

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.models import User
from tests.factories import start_session


def test_deleting_yourself_is_refused_alike(client_for: Callable[..., TestClient], db: Session) -> None:
    staff = client_for("staff", username="boss")
    me = db.exec(select(User).where(User.username == "boss")).one()
    api = staff.delete(f"/api/users/{me.id}")
    page = staff.post(f"/staff/users/{me.id}/delete", follow_redirects=False)
    assert api.status_code == page.status_code == 409
    assert api.json()["detail"] == "You cannot delete your own account."
    assert "You cannot delete your own account." in page.text and "<html" in page.text


@pytest.mark.parametrize("missing", ["0" * 32, "not-an-id"])
def test_a_missing_session_is_not_found_alike(client: TestClient, missing: str) -> None:
    api = client.post(f"/api/sessions/{missing}/end")
    page = client.post(f"/sessions/{missing}/end", follow_redirects=False)
    assert api.status_code == page.status_code == 404
    assert api.json() == {"detail": "No such practice session."}
    assert "No such practice session." in page.text


def test_an_ended_session_refuses_turns_alike(client: TestClient) -> None:
    session_id = start_session(client)["id"]
    client.post(f"/api/sessions/{session_id}/end")
    api = client.post(f"/api/sessions/{session_id}/turns", json={"text": "Are you still there?"})
    page = client.post(f"/sessions/{session_id}/turns", data={"text": "Are you still there?"})
    assert api.status_code == page.status_code == 409
    assert "ended" in api.json()["detail"] and "ended" in page.text


def test_another_trainees_session_cannot_be_written_alike(
    client: TestClient, client_for: Callable[..., TestClient]
) -> None:
    session_id = start_session(client)["id"]
    supervisor = client_for("supervisor", cohort="cohort-a")
    api = supervisor.post(f"/api/sessions/{session_id}/end")
    page = supervisor.post(f"/sessions/{session_id}/end", follow_redirects=False)
    assert api.status_code == page.status_code == 403
    assert "Only the trainee practising" in api.json()["detail"] and "Only the trainee practising" in page.text
