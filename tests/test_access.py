"""Every route × every role: what each one gets.

The matrix lists every route of the app. `test_every_route_is_in_the_matrix` fails when the app
has a route the matrix does not know, so a new route cannot ship without saying who may use it.

The roles, around one practice session owned by a trainee of cohort-a:
  anonymous          nobody signed in (but holding a CSRF token, so it is the sign-in check that answers)
  owner              the trainee who practised
  other_trainee      a trainee of cohort-b
  cohort_supervisor  a supervisor of cohort-a
  other_supervisor   a supervisor of cohort-b
  staff              program staff
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.config import Settings
from app.models import Cohort, GradeRecord, Turn, User
from app.practice.context import build_context
from app.practice.sessions import start_session
from tests.factories import PASSWORD, make_user, sign_in

ROLES = ("anonymous", "owner", "other_trainee", "cohort_supervisor", "other_supervisor", "staff")
LOGIN = "303 to /login"
"""Expected answer of a page to someone not signed in: a redirect to the sign-in page."""
SECRET = "OWNER-ONLY words about my brother's funeral"
"""What the owner wrote; outsiders must never see it, whatever they ask for."""

Expected = int | str


@dataclass(frozen=True)
class World:
    """The people and records one matrix cell needs."""

    users: dict[str, User]
    session_id: str
    trainee_turn_id: int
    peer_turn_id: int
    cohort_id: int


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    expected: dict[str, Expected]
    url: Callable[[World], str] | None = None
    json: Callable[[World], dict[str, Any]] | None = None
    form: Callable[[World], dict[str, str]] | None = None

    @property
    def key(self) -> tuple[str, str]:
        return self.method, self.path


def _anonymous(path: str) -> Expected:
    return 401 if path.startswith("/api") else LOGIN


def public(status: int) -> Callable[[str], dict[str, Expected]]:
    return lambda _path: dict.fromkeys(ROLES, status)


def signed_in(status: int) -> Callable[[str], dict[str, Expected]]:
    return lambda path: {**dict.fromkeys(ROLES, status), "anonymous": _anonymous(path)}


def staff_only(status: int) -> Callable[[str], dict[str, Expected]]:
    return lambda path: {**dict.fromkeys(ROLES, 403), "anonymous": _anonymous(path), "staff": status}


def session_readers(status: int) -> Callable[[str], dict[str, Expected]]:
    """The owner, the owner's cohort supervisors and staff read; outsiders get 404, never the data."""
    return lambda path: {
        "anonymous": _anonymous(path),
        "owner": status,
        "other_trainee": 404,
        "cohort_supervisor": status,
        "other_supervisor": 404,
        "staff": status,
    }


def session_owner(status: int) -> Callable[[str], dict[str, Expected]]:
    """Only the trainee practising writes; readers who may not write get 403, outsiders 404."""
    return lambda path: {**session_readers(403)(path), "owner": status}


def session_reviewers(status: int) -> Callable[[str], dict[str, Expected]]:
    """Reviews: supervisors of the cohort and staff. The API refuses trainees by role first (403)."""
    return lambda path: {**session_readers(status)(path), "owner": 403, "other_trainee": 403}


def session_reviewers_page(status: int) -> Callable[[str], dict[str, Expected]]:
    """The replay's review forms and export look the session up first: the owner 403, outsiders 404."""
    return lambda path: {**session_readers(status)(path), "owner": 403}


def cohort_supervisors(status: int) -> Callable[[str], dict[str, Expected]]:
    """A cohort's work as a whole: its supervisors and staff; everyone else, trainees too, 404."""
    return lambda path: {**dict.fromkeys(ROLES, 404), "anonymous": _anonymous(path), "cohort_supervisor": status,
                         "staff": status}


def route(method: str, path: str, rule: Callable[[str], dict[str, Expected]], **kwargs: Any) -> Route:
    return Route(method=method, path=path, expected=rule(path), **kwargs)


REPLY = {"text": "What has this week been like for you?"}
GOOD_PASSWORD = "a long password, for sure"
NEW_PASSWORD = {"current_password": PASSWORD, "new_password": "orchid lantern seventy rivers"}


def wrong_reset_code(w: "World") -> dict[str, str]:
    return {"username": w.users["owner"].username, "code": "not-the-code", "new_password": "orchid lantern seventy"}


DIMENSIONS = ("pressure", "authority", "dependency", "boundaries", "empathy")

MATRIX = [
    # public
    route("GET", "/openapi.json", public(200)),
    route("GET", "/static", public(200), url=lambda w: "/static/css/app.css"),
    route("GET", "/login", public(200)),
    route("GET", "/healthz", public(200)),
    route("POST", "/login", public(303), form=lambda w: {"username": w.users["owner"].username, "password": PASSWORD}),
    route("POST", "/logout", public(303)),
    route("POST", "/api/auth/login", public(200), json=lambda w: {"username": w.users["owner"].username,
                                                                  "password": PASSWORD}),
    route("POST", "/api/auth/logout", public(204)),
    route("GET", "/api/auth/csrf", public(200)),
    route("GET", "/reset-password", public(200)),
    route("POST", "/reset-password", public(422), form=lambda w: wrong_reset_code(w)),
    route("POST", "/api/auth/reset", public(422), json=lambda w: wrong_reset_code(w)),
    # anyone signed in
    route("GET", "/api/auth/me", signed_in(200)),
    route("GET", "/api/personas", signed_in(200)),
    route("GET", "/api/rubrics", signed_in(200)),
    route("GET", "/api/sessions", signed_in(200)),
    route("POST", "/api/sessions", signed_in(201), json=lambda w: {"persona": "dana-alcohol"}),
    route("GET", "/api/me/export", signed_in(200)),
    route("GET", "/", signed_in(200)),
    route("POST", "/sessions", signed_in(303), form=lambda w: {"persona": "dana-alcohol", "rubric": "crss-core"}),
    route("GET", "/supervisor", signed_in(200)),
    route("GET", "/me/export", signed_in(200)),
    route("GET", "/account", signed_in(200)),
    route("GET", "/api/auth/sessions", signed_in(200)),
    route("POST", "/account/password", signed_in(303), form=lambda w: NEW_PASSWORD),
    route("POST", "/api/auth/password", signed_in(200), json=lambda w: NEW_PASSWORD),
    route(
        "POST", "/account/sessions/{handle}/end", signed_in(303), url=lambda w: "/account/sessions/0123456789abcdef/end"
    ),
    route("DELETE", "/api/auth/sessions/{handle}", signed_in(404), url=lambda w: "/api/auth/sessions/0123456789abcdef"),
    route("POST", "/account/sign-out-everywhere", signed_in(303)),
    route("POST", "/api/auth/logout-everywhere", signed_in(204)),
    # one practice session
    route("GET", "/api/sessions/{session_id}", session_readers(200)),
    route("POST", "/api/sessions/{session_id}/turns", session_owner(201), json=lambda w: REPLY),
    route("POST", "/api/sessions/{session_id}/end", session_owner(200)),
    route(
        "POST",
        "/api/sessions/{session_id}/turns/{turn_id}/reviews",
        session_reviewers(201),
        url=lambda w: f"/api/sessions/{w.session_id}/turns/{w.trainee_turn_id}/reviews",
        json=lambda w: {"kind": "comment", "text": "Good open question."},
    ),
    route("GET", "/sessions/{session_id}", session_owner(200)),
    route("POST", "/sessions/{session_id}/turns", session_owner(303), form=lambda w: REPLY),
    route(
        "GET",
        "/sessions/{session_id}/turns/{turn_id}/stream",
        session_owner(200),
        url=lambda w: f"/sessions/{w.session_id}/turns/{w.peer_turn_id}/stream",
    ),
    route("POST", "/sessions/{session_id}/end", session_owner(303)),
    route("GET", "/sessions/{session_id}/summary", session_readers(200)),
    route("GET", "/supervisor/sessions/{session_id}", session_readers(200)),
    route(
        "POST",
        "/supervisor/sessions/{session_id}/turns/{turn_id}/reviews",
        session_reviewers_page(303),
        url=lambda w: f"/supervisor/sessions/{w.session_id}/turns/{w.trainee_turn_id}/reviews",
        form=lambda w: {"kind": "comment", "text": "Good open question."},
    ),
    route("GET", "/supervisor/sessions/{session_id}/export", session_reviewers_page(200)),
    route("GET", "/sessions/{session_id}/report", session_readers(200)),
    # supervision: a trainee's progress, a cohort's work
    route("GET", "/progress", signed_in(303)),
    route("GET", "/api/trainees/{user_id}/progress", session_readers(200),
          url=lambda w: f"/api/trainees/{w.users['owner'].id}/progress"),
    route("GET", "/trainees/{user_id}/progress", session_readers(200),
          url=lambda w: f"/trainees/{w.users['owner'].id}/progress"),
    route("GET", "/cohorts", lambda path: {**signed_in(200)(path), "cohort_supervisor": 303, "other_supervisor": 303}),
    *(
        route("GET", path, cohort_supervisors(200), url=lambda w, p=path: p.replace("{cohort_id}", str(w.cohort_id)))
        for path in (
            "/api/cohorts/{cohort_id}/agreement",
            "/api/cohorts/{cohort_id}/turns.csv",
            "/api/cohorts/{cohort_id}/sessions.csv",
            "/api/cohorts/{cohort_id}/export.zip",
            "/cohorts/{cohort_id}",
            "/cohorts/{cohort_id}/agreement",
            "/cohorts/{cohort_id}/blind-review",
        )
    ),
    route("GET", "/api/labels.jsonl", cohort_supervisors(200),
          url=lambda w: f"/api/labels.jsonl?rubric=crss-core&cohort={w.cohort_id}"),
    route(
        "POST",
        "/cohorts/{cohort_id}/blind-review/{turn_id}",
        cohort_supervisors(303),
        url=lambda w: f"/cohorts/{w.cohort_id}/blind-review/{w.trainee_turn_id}",
        form=lambda w: {f"level-{key}": "1" for key in DIMENSIONS},
    ),
    # staff: people and records
    route("GET", "/api/users", staff_only(200)),
    route(
        "POST",
        "/api/users",
        staff_only(201),
        json=lambda w: {"username": "newcomer", "password": GOOD_PASSWORD, "role": "trainee"},
    ),
    route(
        "DELETE",
        "/api/users/{user_id}",
        staff_only(204),
        url=lambda w: f"/api/users/{w.users['owner'].id}",
        json=lambda w: {"password": PASSWORD},
    ),
    route(
        "POST",
        "/api/users/{user_id}/reset-code",
        staff_only(201),
        url=lambda w: f"/api/users/{w.users['owner'].id}/reset-code",
        json=lambda w: {"password": PASSWORD},
    ),
    route(
        "GET",
        "/staff/users/{user_id}/reset",
        staff_only(200),
        url=lambda w: f"/staff/users/{w.users['owner'].id}/reset",
    ),
    route(
        "POST",
        "/staff/users/{user_id}/reset",
        staff_only(200),
        url=lambda w: f"/staff/users/{w.users['owner'].id}/reset",
        form=lambda w: {"password": PASSWORD},
    ),
    route("GET", "/api/cohorts", staff_only(200)),
    route(
        "POST",
        "/api/cohorts/{cohort_id}/members",
        staff_only(204),
        url=lambda w: f"/api/cohorts/{w.cohort_id}/members",
        json=lambda w: {"username": w.users["other_trainee"].username},
    ),
    route("GET", "/api/audit", staff_only(200)),
    route("GET", "/staff/audit", staff_only(200)),
    route("GET", "/staff", staff_only(200)),
    route(
        "POST",
        "/staff/users",
        staff_only(303),
        form=lambda w: {"username": "newcomer", "password": GOOD_PASSWORD, "role": "trainee", "cohort": ""},
    ),
    route(
        "POST",
        "/staff/cohorts/members",
        staff_only(303),
        form=lambda w: {"username": w.users["other_trainee"].username, "cohort": "cohort-a"},
    ),
    route(
        "GET",
        "/staff/users/{user_id}/delete",
        staff_only(200),
        url=lambda w: f"/staff/users/{w.users['owner'].id}/delete",
    ),
    route(
        "POST",
        "/staff/users/{user_id}/delete",
        staff_only(303),
        url=lambda w: f"/staff/users/{w.users['owner'].id}/delete",
        form=lambda w: {"password": PASSWORD},
    ),
]

OUTSIDERS = {"anonymous", "other_trainee", "other_supervisor"}


def app_routes(app: FastAPI) -> set[tuple[str, str]]:
    """(method, path) of every route the app answers, HEAD aside (it follows GET)."""
    found: set[tuple[str, str]] = set()
    for context in iter_route_contexts(app.routes):
        path = context.path or ""
        methods = context.methods or {"GET"}  # a Mount (static files) has no methods: GET it
        found |= {(method, path) for method in methods if method != "HEAD"}
    return found


def test_every_route_is_in_the_matrix(app: FastAPI) -> None:
    known = {r.key for r in MATRIX}
    actual = app_routes(app)
    missing = sorted(actual - known)
    stale = sorted(known - actual)
    assert not missing, (
        "Routes with no access expectations; add them to MATRIX in tests/test_access.py with the status "
        "each role should get:\n" + "\n".join(f"  {method} {path}" for method, path in missing)
    )
    assert not stale, "MATRIX lists routes the app no longer has:\n" + "\n".join(f"  {m} {p}" for m, p in stale)


def test_matrix_covers_every_role() -> None:
    assert all(set(r.expected) == set(ROLES) for r in MATRIX)
    assert len({r.key for r in MATRIX}) == len(MATRIX), "one row per route"


@pytest.fixture
def world(db: Session, settings: Settings) -> World:
    users = {
        "owner": make_user(db, role="trainee", cohort="cohort-a"),
        "other_trainee": make_user(db, role="trainee", cohort="cohort-b"),
        "cohort_supervisor": make_user(db, role="supervisor", cohort="cohort-a"),
        "other_supervisor": make_user(db, role="supervisor", cohort="cohort-b"),
        "staff": make_user(db, role="staff"),
    }
    owner = users["owner"]
    practice = start_session(
        db=db, ctx=build_context(settings), persona_id="dana-alcohol", rubric_id="crss-core",
        trainee=owner,
    )
    trainee_turn = Turn(session_id=practice.id, position=1, role="trainee", text=SECRET)
    peer_turn = Turn(session_id=practice.id, position=2, role="peer", text="It's been a lot, honestly.")
    db.add_all([trainee_turn, peer_turn])
    db.commit()
    scores = dict.fromkeys(DIMENSIONS, 0)
    coaching = {"worked": ["You asked."], "points": [], "summary": "Fine."}
    db.add(GradeRecord(turn_id=trainee_turn.id or 0, grader="offline", scores=scores, coaching=coaching))
    db.commit()
    cohort = db.exec(select(Cohort).where(Cohort.name == "cohort-a")).one()
    assert cohort.id is not None and trainee_turn.id is not None and peer_turn.id is not None
    return World(
        users=users,
        session_id=practice.id,
        trainee_turn_id=trainee_turn.id,
        peer_turn_id=peer_turn.id,
        cohort_id=cohort.id,
    )


@pytest.fixture
def client_as(app: FastAPI, world: World) -> Iterator[Callable[[str], TestClient]]:
    clients: list[TestClient] = []

    def make(role: str) -> TestClient:
        client = TestClient(app, follow_redirects=False)
        clients.append(client)
        if role == "anonymous":
            client.get("/login")  # a CSRF token, so the answer comes from the sign-in check, not CSRF
            client.headers["X-CSRFToken"] = client.cookies["csrftoken"]
        else:
            sign_in(client, world.users[role].username)
        return client

    yield make
    for client in clients:
        client.close()


def _url(r: Route, w: World) -> str:
    if r.url is not None:
        return r.url(w)
    return r.path.replace("{session_id}", w.session_id)


def _check_status(response: Any, expected: Expected) -> None:
    where = f"{response.request.method} {response.request.url.path}"
    if expected == LOGIN:
        assert response.status_code == 303, f"{where}: {response.status_code} {response.text[:300]}"
        assert response.headers["location"].startswith("/login?next="), response.headers["location"]
    else:
        assert response.status_code == expected, f"{where}: {response.status_code} {response.text[:300]}"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("r", MATRIX, ids=[f"{r.method} {r.path}" for r in MATRIX])
def test_route_answers_each_role(r: Route, role: str, world: World, client_as: Callable[[str], TestClient]) -> None:
    client = client_as(role)
    kwargs: dict[str, Any] = {}
    if r.json is not None:
        kwargs["json"] = r.json(world)
    if r.form is not None:
        kwargs["data"] = r.form(world)
    response = client.request(r.method, _url(r, world), **kwargs)
    _check_status(response, r.expected[role])
    if role in OUTSIDERS or response.status_code in (403, 404):
        assert SECRET not in response.text, "the owner's words leaked"
        assert world.session_id not in response.text, "the owner's session id leaked"


@pytest.mark.parametrize(
    ("role", "sees"),
    [("owner", True), ("other_trainee", False), ("cohort_supervisor", True), ("other_supervisor", False),
     ("staff", True)],
)
def test_session_lists_hold_only_sessions_the_role_may_read(
    role: str, sees: bool, world: World, client_as: Callable[[str], TestClient]
) -> None:
    client = client_as(role)
    listed = [s["id"] for s in client.get("/api/sessions").json()]
    assert (world.session_id in listed) is sees
    assert (world.session_id in client.get("/supervisor").text) is sees


def test_a_turn_id_from_another_session_is_not_found(
    world: World, client_as: Callable[[str], TestClient], db: Session, settings: Settings
) -> None:
    """Reviewing or streaming through a session one may use, with a turn id of the owner's session."""
    other = world.users["other_trainee"]
    theirs = start_session(
        db=db, ctx=build_context(settings), persona_id="dana-alcohol", rubric_id="crss-core",
        trainee=other,
    )
    supervisor, trainee = client_as("other_supervisor"), client_as("other_trainee")
    comment = {"kind": "comment", "text": "Mine now."}
    assert supervisor.post(
        f"/api/sessions/{theirs.id}/turns/{world.trainee_turn_id}/reviews", json=comment
    ).status_code == 404
    assert supervisor.post(
        f"/supervisor/sessions/{theirs.id}/turns/{world.trainee_turn_id}/reviews", data=comment
    ).status_code == 404
    streamed = trainee.get(f"/sessions/{theirs.id}/turns/{world.peer_turn_id}/stream")
    assert streamed.status_code == 404 and "It's been a lot" not in streamed.text
    owner_session = client_as("staff").get(f"/api/sessions/{world.session_id}").json()
    assert all(not turn["reviews"] for turn in owner_session["turns"])
