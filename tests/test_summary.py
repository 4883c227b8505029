"""The end-of-session summary counts supervisors' overrides, not only the grader's first word."""

from collections.abc import Callable

from fastapi.testclient import TestClient

from tests.factories import PUSHING_LINES, say, start_session


def test_summary_averages_use_the_scores_after_review(
    client: TestClient, client_for: Callable[..., TestClient]
) -> None:
    session = start_session(client)
    turn = say(client, session["id"], PUSHING_LINES[0])["turn"]
    assert turn["grade"]["scores"]["pressure"] >= 2
    supervisor = client_for("supervisor", cohort="cohort-a")
    review = {"kind": "override", "dimension": "pressure", "level": 0, "text": "Said with consent, as agreed."}
    response = supervisor.post(f"/api/sessions/{session['id']}/turns/{turn['id']}/reviews", json=review)
    assert response.status_code == 201, response.text
    client.post(f"/api/sessions/{session['id']}/end")
    summary = client.get(f"/sessions/{session['id']}/summary").context["summary"]  # type: ignore[attr-defined]
    assert summary.averages["pressure"] == 0
    assert summary.strongest.scores["pressure"] == 0
