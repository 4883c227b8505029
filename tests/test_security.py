"""CSRF, cookies, sign-out, password hashing, security headers, input limits, rate limits, logs, the users CLI."""

import logging
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlmodel import Session, select

from app.config import PROJECT_ROOT, get_settings
from app.models import PracticeSession, User
from app.security import SECURITY_HEADERS
from tests.factories import PASSWORD, csrf_header, make_user, say, sign_in, start_session

AppFactory = Callable[..., FastAPI]


@pytest.fixture
def make_app(db: Session, monkeypatch: pytest.MonkeyPatch) -> AppFactory:
    """An app built after setting PEER_* variables: `make_app(turns_per_minute="2")`."""

    def make(**env: str) -> FastAPI:
        for name, value in env.items():
            monkeypatch.setenv(f"PEER_{name.upper()}", value)
        get_settings.cache_clear()
        from app.main import create_app

        return create_app()

    return make


@pytest.fixture
def signed_in(db: Session) -> Iterator[Callable[[FastAPI], TestClient]]:
    """A trainee signed in to a given app, sending the CSRF header."""
    clients: list[TestClient] = []

    def make(application: FastAPI) -> TestClient:
        client = TestClient(application)
        clients.append(client)
        sign_in(client, make_user(db, cohort="cohort-a").username)
        return client

    yield make
    for client in clients:
        client.close()


def set_cookie_headers(response: object, name: str) -> list[str]:
    headers = response.headers.get_list("set-cookie")  # type: ignore[attr-defined]
    return [h for h in headers if h.startswith(f"{name}=")]


# --- CSRF --------------------------------------------------------------------------------------


def test_csrf_token_is_a_cookie_named_csrftoken(anon_client: TestClient) -> None:
    response = anon_client.get("/login")
    [cookie] = set_cookie_headers(response, "csrftoken")
    assert "SameSite=Lax" in cookie and "Path=/" in cookie
    token = anon_client.cookies["csrftoken"]
    assert f'name="csrftoken" value="{token}"' in response.text, "the login form carries the same token"


def test_login_without_any_cookie_is_refused_then_works_with_the_token(anon_client: TestClient, db: Session) -> None:
    """Login CSRF: a sign-in without the pre-session cookie and its token could come from another site."""
    user = make_user(db)
    assert not anon_client.cookies
    credentials = {"username": user.username, "password": PASSWORD}
    refused = anon_client.post("/api/auth/login", json=credentials)
    assert refused.status_code == 403 and not set_cookie_headers(refused, "peer_session")
    csrf_header(anon_client)
    response = anon_client.post("/api/auth/login", json=credentials)
    assert response.status_code == 200
    assert response.json()["username"] == user.username
    assert set_cookie_headers(response, "peer_session")


def test_login_form_without_any_cookie_is_refused_then_works_from_the_page(
    anon_client: TestClient, db: Session
) -> None:
    user = make_user(db)
    form = {"username": user.username, "password": PASSWORD, "next": "/"}
    assert anon_client.post("/login", data=form, follow_redirects=False).status_code == 403
    anon_client.get("/login")
    token = anon_client.cookies["csrftoken"]
    response = anon_client.post("/login", data={**form, "csrftoken": token}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/"


def _sessions_of(db: Session) -> int:
    db.expire_all()
    return len(db.exec(select(PracticeSession)).all())


@pytest.mark.parametrize(
    ("header", "status"),
    [(None, 403), ("wrong", 403), ("signed-by-someone-else", 403), ("cookie", 201)],
    ids=["no-header", "garbage-token", "another-browser-token", "the-cookie-token"],
)
def test_json_post_with_the_session_cookie_needs_the_csrf_header(
    client: TestClient, anon_client: TestClient, db: Session, header: str | None, status: int
) -> None:
    del client.headers["X-CSRFToken"]
    headers = {}
    if header == "wrong":
        headers["X-CSRFToken"] = "not-a-token"
    elif header == "signed-by-someone-else":
        anon_client.get("/login")
        headers["X-CSRFToken"] = anon_client.cookies["csrftoken"]
        assert headers["X-CSRFToken"] != client.cookies["csrftoken"]
    elif header == "cookie":
        headers["X-CSRFToken"] = client.cookies["csrftoken"]
    response = client.post("/api/sessions", json={"persona": "dana-alcohol"}, headers=headers)
    assert response.status_code == status, response.text
    if status == 403:
        assert "security token" in response.json()["detail"]
        assert _sessions_of(db) == 0, "a refused request changes nothing"


@pytest.mark.parametrize(
    ("form", "status"),
    [({}, 403), ({"csrftoken": "forged"}, 403), ({"csrftoken": "<cookie>"}, 303)],
    ids=["no-field", "wrong-field", "the-cookie-token"],
)
def test_form_post_needs_the_csrf_field(client: TestClient, form: dict[str, str], status: int) -> None:
    del client.headers["X-CSRFToken"]
    form = {k: client.cookies["csrftoken"] if v == "<cookie>" else v for k, v in form.items()}
    response = client.post("/sessions", data={**form, "persona": "dana-alcohol"}, follow_redirects=False)
    assert response.status_code == status, response.text


def test_logout_needs_the_csrf_token_too(client: TestClient) -> None:
    del client.headers["X-CSRFToken"]
    assert client.post("/logout", follow_redirects=False).status_code == 403
    assert client.get("/api/auth/me").status_code == 200, "still signed in"


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("multipart/form-data", b"x"),
        ("multipart/form-data; boundary=zz", b"--zz\r\nbroken"),
        ("application/x-www-form-urlencoded", b"csrftoken=\xff\xfe"),
        ("text/plain", b"hello"),
    ],
    ids=["multipart-without-boundary", "broken-multipart", "form-not-utf8", "plain-text"],
)
def test_unreadable_bodies_without_the_header_are_refused_not_crashed(
    client: TestClient, content_type: str, body: bytes
) -> None:
    del client.headers["X-CSRFToken"]
    response = client.post("/sessions", content=body, headers={"content-type": content_type})
    assert response.status_code in (400, 403), response.text
    assert client.get("/api/auth/me").status_code == 200


# --- cookies, sign-in, sign-out, passwords ---------------------------------------------------------


def test_session_cookie_is_httponly_and_samesite_lax(anon_client: TestClient, db: Session) -> None:
    user = make_user(db)
    csrf_header(anon_client)
    response = anon_client.post("/api/auth/login", json={"username": user.username, "password": PASSWORD})
    [cookie] = set_cookie_headers(response, "peer_session")
    attributes = {part.strip().lower() for part in cookie.split(";")}
    assert "httponly" in attributes and "samesite=lax" in attributes and "path=/" in attributes
    assert "secure" not in attributes, "plain http in development"
    [max_age] = [int(part.removeprefix("max-age=")) for part in attributes if part.startswith("max-age=")]
    assert get_settings().session_max_age_s - 5 <= max_age <= get_settings().session_max_age_s


def test_cookies_are_secure_when_configured(make_app: AppFactory, db: Session) -> None:
    application = make_app(cookie_secure="true")
    user = make_user(db)
    with TestClient(application, base_url="https://testserver") as client:
        token = client.get("/api/auth/csrf")
        [csrf_cookie] = set_cookie_headers(token, "__Host-csrftoken")
        client.headers["X-CSRFToken"] = token.json()["csrftoken"]
        response = client.post("/api/auth/login", json={"username": user.username, "password": PASSWORD})
        assert response.status_code == 200
        [session_cookie] = set_cookie_headers(response, "__Host-peer_session")
        for cookie in (csrf_cookie, session_cookie):
            assert "secure" in {part.strip().lower() for part in cookie.split(";")}, cookie
        assert client.get("/api/auth/me").status_code == 200


def test_wrong_password_and_unknown_user_get_the_same_answer(anon_client: TestClient, db: Session) -> None:
    user = make_user(db)
    csrf_header(anon_client)
    wrong = anon_client.post("/api/auth/login", json={"username": user.username, "password": "not it at all"})
    unknown = anon_client.post("/api/auth/login", json={"username": "nobody-here", "password": PASSWORD})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert not set_cookie_headers(wrong, "peer_session")


def test_login_page_does_not_redirect_off_site(anon_client: TestClient, db: Session) -> None:
    user = make_user(db)
    anon_client.get("/login")
    anon_client.headers["X-CSRFToken"] = anon_client.cookies["csrftoken"]
    for target in ["https://evil.example/", "//evil.example/", "/\\evil.example"]:
        form = {"username": user.username, "password": PASSWORD, "next": target}
        response = anon_client.post("/login", data=form, follow_redirects=False)
        assert response.headers["location"] == "/", target


def test_logout_ends_the_session(client: TestClient) -> None:
    assert client.get("/api/auth/me").status_code == 200
    assert client.post("/api/auth/logout").status_code == 204
    assert client.get("/api/auth/me").status_code == 401
    assert client.get("/", follow_redirects=False).headers["location"].startswith("/login")


def test_page_logout_ends_the_session(client: TestClient) -> None:
    response = client.post("/logout", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert client.get("/api/sessions").status_code == 401


def test_a_cookie_copied_before_logout_no_longer_works(client: TestClient, app: FastAPI) -> None:
    stolen = client.cookies["peer_session"]
    client.post("/api/auth/logout")
    with TestClient(app, cookies={"peer_session": stolen}) as thief:
        assert thief.get("/api/auth/me").status_code == 401


def test_deactivated_or_deleted_users_are_signed_out(client: TestClient, db: Session) -> None:
    user = db.exec(select(User).where(User.username == "trainee")).one()
    user.is_active = False
    db.add(user)
    db.commit()
    assert client.get("/api/auth/me").status_code == 401


def test_passwords_are_stored_as_argon2_hashes(client: TestClient, db: Session) -> None:
    user = db.exec(select(User).where(User.username == "trainee")).one()
    assert user.password_hash.startswith("$argon2")
    assert PASSWORD not in user.password_hash


def test_users_add_reads_the_password_from_stdin(tmp_path: Path) -> None:
    """`python -m app users add NAME --role staff`, as a real process with the shipped hashing cost."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    env = {**os.environ, "PEER_DATABASE_URL": url, "PEER_CONTENT_DIR": str(PROJECT_ROOT)}
    secret = "a-staff-password-from-stdin"

    def users_add(*args: str, stdin: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "app", "users", "add", *args]
        return subprocess.run(command, input=stdin, capture_output=True, text=True, env=env, timeout=300, check=False)

    result = users_add("boss", "--role", "staff", stdin=secret + "\n")
    assert result.returncode == 0, result.stderr
    assert "created staff 'boss'" in result.stdout
    assert secret not in result.stdout + result.stderr
    engine = create_engine(url)
    with engine.connect() as conn:
        role, hashed = conn.execute(text("SELECT role, password_hash FROM users WHERE username = 'boss'")).one()
    engine.dispose()
    assert role == "staff"
    assert hashed.startswith("$argon2id$") and "m=65536" in hashed, "the shipped argon2 cost"

    again = users_add("boss", "--role", "staff", stdin=secret + "\n")
    short = users_add("shorty", "--role", "trainee", stdin="short\n")
    assert again.returncode == short.returncode == 1
    assert "taken" in again.stderr and "at least 12" in short.stderr


# --- security headers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/login"),
        ("GET", "/"),
        ("GET", "/api/auth/me"),
        ("GET", "/api/sessions/nope"),
        ("GET", "/static/css/app.css"),
        ("GET", "/static/vendor/htmx.min.js"),
        ("GET", "/static/missing.css"),
        ("GET", "/openapi.json"),
        ("POST", "/logout"),
    ],
)
def test_security_headers_on_every_kind_of_response(client: TestClient, method: str, path: str) -> None:
    if method == "POST":
        del client.headers["X-CSRFToken"]  # the CSRF refusal is written by middleware: it gets them too
    response = client.request(method, path)
    for name, value in SECURITY_HEADERS:
        assert response.headers.get(name.decode()) == value.decode(), (path, name)


def test_content_security_policy_allows_only_our_own_files(client: TestClient) -> None:
    policy = client.get("/").headers["content-security-policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"
    assert "unsafe" not in policy and "http" not in policy and "*" not in policy


def test_pages_have_no_inline_scripts_the_policy_would_block(client: TestClient) -> None:
    session_id = start_session(client)["id"]
    for path in ["/", "/login", f"/sessions/{session_id}", "/supervisor"]:
        page = client.get(path).text
        for tag in page.split("<script")[1:]:
            assert "src=" in tag.split(">")[0], f"inline script on {path}"
        assert "javascript:" not in page and " onclick=" not in page


# --- input limits ----------------------------------------------------------------------------------


def test_a_10000_character_message_gets_a_clear_422(client: TestClient) -> None:
    session = start_session(client)
    response = client.post(f"/api/sessions/{session['id']}/turns", json={"text": "a" * 10_000})
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert "10,000 characters" in detail and "the limit is 2,000" in detail
    assert len(client.get(f"/api/sessions/{session['id']}").json()["turns"]) == 1, "nothing was saved"


def test_a_message_at_the_limit_is_accepted(client: TestClient) -> None:
    session = start_session(client)
    text = ("I hear you. " * 200)[:2000]
    assert say(client, session["id"], text)["turn"]["text"] == text.strip()


def test_the_chat_page_shows_the_limit_before_sending(client: TestClient) -> None:
    session = start_session(client)
    page = client.get(f"/sessions/{session['id']}")
    assert 'maxlength="2000"' in page.text
    assert "Up to 2,000 characters" in page.text


def test_a_body_over_the_limit_gets_413(client: TestClient) -> None:
    session = start_session(client)
    response = client.post(f"/api/sessions/{session['id']}/turns", json={"text": "a" * 70_000})
    assert response.status_code == 413
    assert response.json()["detail"] == "The request is larger than 65,536 bytes."


def test_a_streamed_body_over_the_limit_gets_413(
    make_app: AppFactory, signed_in: Callable[[FastAPI], TestClient]
) -> None:
    client = signed_in(make_app(max_body_bytes="2048"))
    session = start_session(client)

    def chunks() -> Iterator[bytes]:  # no Content-Length: the middleware has to count
        yield b'{"text": "'
        for _ in range(10):
            yield b"a" * 512
        yield b'"}'

    response = client.post(
        f"/api/sessions/{session['id']}/turns", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert "2,048 bytes" in response.json()["detail"]


def test_a_form_over_the_limit_gets_413(client: TestClient) -> None:
    session = start_session(client)
    response = client.post(f"/sessions/{session['id']}/turns", data={"text": "a" * 70_000})
    assert response.status_code == 413


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("text/plain", b'{"text": "hello"}'),
        (None, b'{"text": "hello"}'),
        ("application/xml", b"<text>hello</text>"),
        ("application/x-www-form-urlencoded", b"text=hello"),
        ("multipart/form-data; boundary=zz", b'--zz\r\nContent-Disposition: form-data; name="text"\r\n\r\nhi\r\n'),
        ("application/json", b'{"text": '),
        ("application/json", b'["hello"]'),
        ("application/json", b'{"text": 42}'),
        ("application/json", b'{"text": null}'),
        ("application/json", b"\xff\xfe\x00"),
        ("application/json", b'{"text": "\\ud800"}'),
        ("application/json", b"[" * 30_000),
    ],
    ids=[
        "text-plain", "no-content-type", "xml", "form", "multipart", "truncated-json", "json-array", "number",
        "null", "not-utf8", "lone-surrogate-escape", "nested-too-deep",
    ],
)
def test_wrong_content_or_type_on_json_endpoints_is_4xx(
    client: TestClient, content_type: str | None, body: bytes
) -> None:
    session = start_session(client)
    headers = {"content-type": content_type} if content_type else {}
    response = client.post(f"/api/sessions/{session['id']}/turns", content=body, headers=headers)
    assert 400 <= response.status_code < 500, response.text


def test_rate_limit_answers_429_with_a_clear_message(
    make_app: AppFactory, signed_in: Callable[[FastAPI], TestClient]
) -> None:
    client = signed_in(make_app(turns_per_minute="2"))
    session = start_session(client)
    for line in ["How are you doing today?", "What would help this week?"]:
        say(client, session["id"], line)
    response = client.post(f"/api/sessions/{session['id']}/turns", json={"text": "And tomorrow?"})
    assert response.status_code == 429
    assert "2 messages in the last minute" in response.json()["detail"]
    page = client.post(f"/sessions/{session['id']}/turns", data={"text": "And tomorrow?"})
    assert page.status_code == 429 and "2 messages in the last minute" in page.text, "the same status on both faces"
    assert int(response.headers["Retry-After"]) > 0 and int(page.headers["Retry-After"]) > 0
    other = start_session(client)
    assert client.post(f"/api/sessions/{other['id']}/turns", json={"text": "Hi"}).status_code == 429, (
        "the limit is per person, not per session"
    )


# --- logs ----------------------------------------------------------------------------------------


def test_transcript_text_and_passwords_stay_out_of_the_logs(
    make_app: AppFactory, db: Session, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    words = "my sister Marguerite found the bottle in the garage"
    password = "hunter2-but-longer"
    secret_key = "a-very-secret-signing-key-for-tests"
    application = make_app(secret_key=secret_key, log_level="DEBUG")
    user = make_user(db, username="logged")
    from app.auth.accounts import create_user

    create_user(db=db, username="withpw", password=password, role="trainee")
    db.commit()
    with TestClient(application) as client:
        client.post("/api/auth/login", json={"username": "withpw", "password": "wrong " + password})
        client.headers["X-CSRFToken"] = client.cookies["csrftoken"]
        sign_in(client, "withpw", password)
        session = start_session(client)
        say(client, session["id"], words)
        client.post(f"/sessions/{session['id']}/turns", data={"text": words + " again"})
        client.post(f"/api/sessions/{session['id']}/turns", json={"text": words + "\x00"})
        client.post("/api/auth/login", json={"username": user.username, "password": password})
    assert caplog.records, "the app logged something at DEBUG"
    formatter = logging.Formatter("%(name)s %(message)s")
    logged = "\n".join(formatter.format(record) + repr(record.__dict__) for record in caplog.records)
    for secret in ["Marguerite", password, secret_key]:
        assert secret not in logged, f"{secret!r} reached the logs"


class _GraderThatQuotes:
    """A grader failing with the reply in its error, as a library error message might (SQL parameters, JSON)."""

    name = "quoting"

    async def grade(self, *, context: object, reply: str, moment: object = None) -> object:
        raise RuntimeError(f"could not grade {reply!r}")


def test_a_failing_grader_does_not_put_the_reply_in_the_logs(
    app: FastAPI, client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    from app.practice.context import PracticeContext, build_context, get_practice_context

    class Quoting(PracticeContext):
        def grader_for(self, rubric_id: str) -> _GraderThatQuotes:  # type: ignore[override]
            return _GraderThatQuotes()

    normal = build_context(get_settings())
    app.dependency_overrides[get_practice_context] = lambda: Quoting(
        settings=normal.settings, catalog=normal.catalog, engine=normal.engine
    )
    caplog.set_level(logging.DEBUG)
    session = start_session(client)
    say(client, session["id"], "my sister Marguerite found the bottle")
    logged = "\n".join(logging.Formatter().format(record) for record in caplog.records)
    assert "grading failed" in logged
    assert "Marguerite" not in logged
