"""Schemathesis against /openapi.json, in-process, signed in as staff with the CSRF header.

Each operation gets requests that fit its schema and requests that break it (wrong types, missing
fields), with generated path parameters (mostly unknown ids) and with the ids of a real session, turn,
user and cohort, so bodies reach the code behind the 404s.
Every answer must be no 5xx, match its documented schema and have a documented status code.
Bounded and derandomized: the same examples on every run.
"""

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.python.asgi import ASGIClient, get_client
from schemathesis.specs.openapi.checks import (
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)
from sqlmodel import Session, select

from app.main import create_app
from app.models import Cohort
from tests.factories import PASSWORD, make_user, say, sign_in

EXAMPLES = 25
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance, negative_data_rejection]


def _operations() -> list[tuple[str, str]]:
    paths: dict[str, dict[str, Any]] = create_app().openapi()["paths"]
    return sorted((method.upper(), path) for path, item in paths.items() for method in item)


OPERATIONS = _operations()


@pytest.fixture
def staff_session(app: FastAPI, db: Session) -> Iterator[ASGIClient]:
    """Schemathesis's own in-process client, signed in as staff, sending the CSRF token."""
    make_user(db, role="staff", username="fuzzer")
    with get_client(app) as client:  # type: ignore[arg-type]  # FastAPI's scope type is wider
        client.headers["X-CSRFToken"] = str(client.get("/api/auth/csrf").json()["csrftoken"])
        response = client.post("/api/auth/login", json={"username": "fuzzer", "password": PASSWORD})
        assert response.status_code == 200, response.text
        yield client


@pytest.fixture
def real_ids(app: FastAPI, db: Session) -> dict[str, Any]:
    """A trainee's session with a graded turn, for path parameters that exist."""
    from fastapi.testclient import TestClient

    trainee = make_user(db, cohort="fuzz-cohort")
    with TestClient(app) as client:
        sign_in(client, trainee.username)
        session = client.post("/api/sessions", json={"persona": "dana-alcohol"}).json()
        turn = say(client, session["id"], "How has this week been for you?")["turn"]
    cohort = db.exec(select(Cohort).where(Cohort.name == "fuzz-cohort")).one()
    return {"session_id": session["id"], "turn_id": turn["id"], "user_id": trainee.id, "cohort_id": cohort.id}


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_operation_under_fuzzing(
    app: FastAPI, staff_session: ASGIClient, real_ids: dict[str, Any], method: str, path: str
) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operation = schema[path][method]
    pinned = {name: value for name, value in real_ids.items() if f"{{{name}}}" in path}
    strategies = [operation.as_strategy(mode) for mode in GenerationMode]
    if pinned:
        strategies += [operation.as_strategy(mode, path_parameters=pinned) for mode in GenerationMode]

    @given(case=st.one_of(strategies))
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def fuzz(case: Any) -> None:
        response = case.call(session=staff_session)
        case.validate_response(response, checks=CHECKS)

    fuzz()


def test_every_api_operation_is_fuzzed() -> None:
    paths = {path for _, path in OPERATIONS}
    assert {"/api/sessions/{session_id}/turns", "/api/users/{user_id}", "/api/auth/login"} <= paths
    assert all(path.startswith("/api/") for path in paths), "pages stay out of the OpenAPI document"


def test_the_openapi_document_declares_the_errors() -> None:
    paths: dict[str, dict[str, Any]] = create_app().openapi()["paths"]
    for path, item in paths.items():
        for method, operation in item.items():
            codes = set(operation["responses"])
            where = f"{method.upper()} {path}: {sorted(codes)}"
            assert {"413", "422"} <= codes, where
            if path not in ("/api/auth/login", "/api/auth/logout", "/api/auth/csrf", "/api/auth/reset"):
                assert "401" in codes, where
            if method in ("post", "delete"):
                assert {"400", "403"} <= codes, where
            if "{" in path:
                assert "404" in codes, where
