"""Plain factory helpers for tests."""

import itertools
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.auth.accounts import add_to_cohort, create_user, get_or_create_cohort
from app.models import User

PASSWORD = "correct horse battery"
_numbers = itertools.count(1)


def make_user(db: Session, *, role: str = "trainee", username: str | None = None, cohort: str | None = None) -> User:
    user = create_user(db=db, username=username or f"{role}{next(_numbers)}", password=PASSWORD, role=role)
    if cohort is not None:
        add_to_cohort(db=db, cohort=get_or_create_cohort(db=db, name=cohort), user=user)
    db.commit()
    return user


def csrf_header(client: TestClient) -> None:
    """Fetch a CSRF token (and its cookie) and send it with every request, as a JSON client does."""
    client.headers["X-CSRFToken"] = client.get("/api/auth/csrf").json()["csrftoken"]


def sign_in(client: TestClient, username: str, password: str = PASSWORD) -> None:
    """Sign in through the JSON API with the CSRF token, as the contract says."""
    csrf_header(client)
    response = client.post("/api/auth/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.text

EMPATHIC_LINES = [
    "It sounds like these weeks have taken a lot out of you, and you're still showing up. What's been hardest?",
    "That makes sense. Feeling torn about it is understandable after everything you've been through.",
    "I hear how much you care about getting this right for yourself. What would feel like a good next step to you?",
    "It seems like you've been carrying this mostly on your own. How has that been for you?",
]
PUSHING_LINES = [
    "You have to go to a meeting tonight. No excuses, promise me right now.",
    "Listen, I know what's best here. You need to do exactly what I tell you or you'll relapse.",
]


def start_session(client: TestClient, persona: str = "dana-alcohol", rubric: str = "crss-core") -> dict[str, Any]:
    response = client.post("/api/sessions", json={"persona": persona, "rubric": rubric})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def say(client: TestClient, session_id: str, text: str) -> dict[str, Any]:
    response = client.post(f"/api/sessions/{session_id}/turns", json={"text": text})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body
