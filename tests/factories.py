"""Plain factory helpers for tests."""

from typing import Any

from fastapi.testclient import TestClient

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
