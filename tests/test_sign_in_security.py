"""Sign-in and sessions that hold up to an attacker: server-side sessions, throttling, login CSRF,
password rules, re-authentication, and what production refuses to start with."""

import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from app.auth.accounts import AccountError, create_user, ensure_not_last_staff
from app.config import PROJECT_ROOT, get_settings
from app.errors import Conflict
from app.models import AuditEvent, AuthSession, User
from tests.factories import PASSWORD, csrf_header, make_user, sign_in

NEW_PASSWORD = "orchid lantern seventy rivers"


def _browser(app: FastAPI, username: str, password: str = PASSWORD) -> TestClient:
    client = TestClient(app)
    sign_in(client, username, password)
    return client


def _copy_of(app: FastAPI, browser: TestClient) -> TestClient:
    """Someone who copied every cookie and the CSRF header of a browser."""
    thief = TestClient(app)
    for cookie in browser.cookies.jar:
        thief.cookies.jar.set_cookie(cookie)
    thief.headers["X-CSRFToken"] = browser.headers["X-CSRFToken"]
    return thief


def _actions(db: Session, action: str) -> list[AuditEvent]:
    db.expire_all()
    return list(db.exec(select(AuditEvent).where(AuditEvent.action == action)).all())


# --- server-side sessions ------------------------------------------------------------------------------


def test_the_cookie_holds_only_a_random_id_and_the_table_only_its_hash(app: FastAPI, db: Session) -> None:
    user = make_user(db)
    browser = _browser(app, user.username)
    cookie = browser.cookies["peer_session"]
    assert len(cookie) == 32 and str(user.id) != cookie
    rows = db.exec(select(AuthSession).where(AuthSession.user_id == user.id)).all()
    assert len(rows) == 1 and cookie not in rows[0].key_hash and "testclient" in rows[0].user_agent


def test_a_copied_cookie_is_dead_after_sign_out(app: FastAPI, db: Session) -> None:
    staff = make_user(db, role="staff")
    browser = _browser(app, staff.username)
    thief = _copy_of(app, browser)
    assert thief.get("/api/users").status_code == 200
    assert browser.post("/api/auth/logout").status_code == 204
    assert thief.get("/api/auth/me").status_code == 401
    assert thief.get("/api/users").status_code == 401
    assert thief.post("/api/sessions", json={"persona": "dana-alcohol"}).status_code == 401
    assert thief.get("/staff", follow_redirects=False).status_code == 303


def test_signing_in_again_does_not_keep_an_id_planted_before(app: FastAPI, db: Session) -> None:
    user = make_user(db)
    browser = _browser(app, user.username)
    planted = browser.cookies["peer_session"]
    sign_in(browser, user.username)
    assert browser.cookies["peer_session"] != planted
    assert db.exec(select(AuthSession).where(AuthSession.user_id == user.id)).all().__len__() == 1


def test_a_deleted_users_cookie_never_signs_in_as_the_next_account(app: FastAPI, db: Session) -> None:
    staff = make_user(db, role="staff")
    admin = _browser(app, staff.username)
    leaving = make_user(db, role="trainee")
    leaving_id = leaving.id
    old_browser = _browser(app, leaving.username)
    assert old_browser.get("/api/auth/me").json()["id"] == leaving_id

    deleted = admin.request("DELETE", f"/api/users/{leaving_id}", json={"password": PASSWORD})
    assert deleted.status_code == 204, deleted.text
    created = admin.post("/api/users", json={"username": "newcomer", "password": NEW_PASSWORD, "role": "staff"})
    assert created.status_code == 201
    assert created.json()["id"] != leaving_id, "a deleted user's id was handed to a new account"
    assert old_browser.get("/api/auth/me").status_code == 401
    assert old_browser.get("/api/users").status_code == 401


def test_sign_out_everywhere_ends_every_session_of_the_user(app: FastAPI, db: Session) -> None:
    user = make_user(db)
    laptop, phone = _browser(app, user.username), _browser(app, user.username)
    other = _browser(app, make_user(db).username)
    listed = laptop.get("/api/auth/sessions").json()
    assert len(listed) == 2 and sum(s["current"] for s in listed) == 1
    assert phone.post("/api/auth/logout-everywhere").status_code == 204
    assert laptop.get("/api/auth/me").status_code == 401
    assert phone.get("/api/auth/me").status_code == 401
    assert other.get("/api/auth/me").status_code == 200, "someone else's session ended too"
    assert len(_actions(db, "sign-out-everywhere")) == 1


def test_a_user_sees_and_ends_their_own_sessions_only(app: FastAPI, db: Session) -> None:
    user = make_user(db)
    laptop, phone = _browser(app, user.username), _browser(app, user.username)
    stranger = _browser(app, make_user(db).username)
    phone_handle = next(s["id"] for s in phone.get("/api/auth/sessions").json() if s["current"])
    assert stranger.delete(f"/api/auth/sessions/{phone_handle}").status_code == 404
    assert phone.get("/api/auth/me").status_code == 200

    page = laptop.get("/account")
    assert page.status_code == 200 and f"/account/sessions/{phone_handle}/end" in page.text
    ended = laptop.post(f"/account/sessions/{phone_handle}/end", follow_redirects=False)
    assert ended.status_code == 303
    assert phone.get("/api/auth/me").status_code == 401
    assert laptop.get("/api/auth/me").status_code == 200


def test_an_expired_session_signs_nobody_in(app: FastAPI, db: Session) -> None:
    user = make_user(db)
    browser = _browser(app, user.username)
    row = db.exec(select(AuthSession).where(AuthSession.user_id == user.id)).one()
    row.expires_at = row.created_at
    db.add(row)
    db.commit()
    assert browser.get("/api/auth/me").status_code == 401


# --- throttling -----------------------------------------------------------------------------------------


def test_thirty_wrong_passwords_are_throttled_and_audited(app: FastAPI, db: Session) -> None:
    user = make_user(db)
    client = TestClient(app)
    csrf_header(client)
    answers = [
        client.post("/api/auth/login", json={"username": user.username, "password": f"guess {n}"}) for n in range(30)
    ]
    codes = [a.status_code for a in answers]
    limit = get_settings().sign_in_failures_per_account
    assert codes[:limit] == [401] * limit
    assert set(codes[limit:]) == {429}
    refused = answers[-1]
    assert 0 < int(refused.headers["Retry-After"]) <= get_settings().sign_in_window_s
    assert "Try again in" in refused.json()["detail"]
    right = client.post("/api/auth/login", json={"username": user.username, "password": PASSWORD})
    assert right.status_code == 429, "the right password must wait too, or guessing goes on"
    assert len(_actions(db, "sign-in-failed")) == limit
    assert len(_actions(db, "sign-in-throttled")) == 30 - limit + 1


def test_the_sign_in_page_says_when_to_try_again(app: FastAPI, db: Session) -> None:
    user = make_user(db)
    client = TestClient(app)
    token = client.get("/login").cookies["csrftoken"]
    form = {"username": user.username.upper(), "password": "wrong password", "csrftoken": token}
    codes = [client.post("/login", data=form).status_code for _ in range(get_settings().sign_in_failures_per_account)]
    assert codes == [401] * len(codes)
    page = client.post("/login", data=form)
    assert page.status_code == 429 and "Retry-After" in page.headers
    assert "Too many failed sign-ins" in page.text and "content-security-policy" in page.headers


def test_one_address_guessing_many_accounts_is_throttled(app: FastAPI, db: Session) -> None:
    client = TestClient(app)
    csrf_header(client)
    limit = get_settings().sign_in_failures_per_address
    codes = [
        client.post("/api/auth/login", json={"username": f"nobody{n}", "password": "wrong"}).status_code
        for n in range(limit + 2)
    ]
    assert codes[:limit] == [401] * limit and codes[limit:] == [429, 429]


def test_a_username_with_a_nul_byte_is_a_plain_failure(app: FastAPI, db: Session) -> None:
    """PostgreSQL refuses NUL in text; the failure is still counted and logged, without it."""
    client = TestClient(app)
    client.get("/login")
    form = {"username": "dana\x00", "password": "wrong", "csrftoken": client.cookies["csrftoken"]}
    assert client.post("/login", data=form).status_code == 401
    assert [e.target for e in _actions(db, "sign-in-failed")] == ["username:dana"]


def test_a_successful_sign_in_is_audited_and_clears_the_accounts_failures(app: FastAPI, db: Session) -> None:
    user = make_user(db)
    client = TestClient(app)
    csrf_header(client)
    for _ in range(get_settings().sign_in_failures_per_account - 1):
        assert client.post("/api/auth/login", json={"username": user.username, "password": "no"}).status_code == 401
    sign_in(client, user.username)
    assert [e.actor_id for e in _actions(db, "sign-in")] == [user.id]
    assert client.post("/api/auth/login", json={"username": user.username, "password": "no"}).status_code == 401


# --- login CSRF -----------------------------------------------------------------------------------------


def test_a_cross_site_login_form_signs_nobody_in(app: FastAPI, db: Session) -> None:
    """The attacker's page posts its own credentials; the victim's browser sends no SameSite=Lax cookie."""
    attacker = make_user(db, username="attacker")
    victim = TestClient(app, follow_redirects=False)
    posted = victim.post("/login", data={"username": attacker.username, "password": PASSWORD})
    assert posted.status_code == 403
    assert "peer_session" not in posted.headers.get("set-cookie", "")
    as_json = victim.post("/api/auth/login", json={"username": attacker.username, "password": PASSWORD})
    assert as_json.status_code == 403


def test_a_token_from_another_browser_does_not_pass(app: FastAPI, db: Session) -> None:
    user = make_user(db)
    attackers_token = TestClient(app).get("/api/auth/csrf").json()["csrftoken"]
    victim = TestClient(app, follow_redirects=False)
    own_token = victim.get("/login").cookies["csrftoken"]
    form = {"username": user.username, "password": PASSWORD}
    assert victim.post("/login", data={**form, "csrftoken": attackers_token}).status_code == 403
    assert victim.post("/login", data={**form, "csrftoken": own_token}).status_code == 303


# --- passwords ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "password",
    ["password1234", "123456789012", "qwertyuiop12", "iloveyou1234", "baseball1234", " " * 12, "aaaaaaaaaaaa"],
)
def test_common_passwords_of_twelve_characters_are_refused(db: Session, password: str) -> None:
    with pytest.raises(AccountError, match="guessing tools|spaces") as refused:
        create_user(db=db, username="someone", password=password, role="trainee")
    assert refused.value.field == "password"


@pytest.mark.parametrize("password", ["password", "short one"])
def test_short_passwords_are_refused(db: Session, password: str) -> None:
    with pytest.raises(AccountError, match="at least 12"):
        create_user(db=db, username="someone", password=password, role="trainee")


def test_a_password_made_of_the_username_is_refused(db: Session) -> None:
    with pytest.raises(AccountError):
        create_user(db=db, username="mariadelgado", password="mariadelgado1", role="trainee")


def test_staff_cannot_create_a_user_with_a_common_password(client_for: object, db: Session) -> None:
    staff = client_for("staff")  # type: ignore[operator]
    answer = staff.post("/api/users", json={"username": "newcomer", "password": "password1234", "role": "trainee"})
    assert answer.status_code == 422 and "guessing tools" in answer.json()["detail"]


def test_changing_a_password_needs_the_current_one_and_ends_other_sessions(app: FastAPI, db: Session) -> None:
    user = make_user(db)
    laptop, phone = _browser(app, user.username), _browser(app, user.username)
    wrong = laptop.post("/api/auth/password", json={"current_password": "not it", "new_password": NEW_PASSWORD})
    assert wrong.status_code == 422
    weak = laptop.post("/api/auth/password", json={"current_password": PASSWORD, "new_password": "password1234"})
    assert weak.status_code == 422 and "guessing tools" in weak.json()["detail"]
    changed = laptop.post("/api/auth/password", json={"current_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert changed.status_code == 200
    assert laptop.get("/api/auth/me").status_code == 200, "the browser that changed it stays signed in"
    assert phone.get("/api/auth/me").status_code == 401
    fresh = TestClient(app)
    csrf_header(fresh)
    assert fresh.post("/api/auth/login", json={"username": user.username, "password": PASSWORD}).status_code == 401
    assert fresh.post("/api/auth/login", json={"username": user.username, "password": NEW_PASSWORD}).status_code == 200


def test_the_account_page_changes_the_password(app: FastAPI, db: Session) -> None:
    user = make_user(db)
    browser = _browser(app, user.username)
    form = {"current_password": "not it", "new_password": NEW_PASSWORD}
    refused = browser.post("/account/password", data=form)
    assert refused.status_code == 422 and "current password is not right" in refused.text
    done = browser.post("/account/password", data={**form, "current_password": PASSWORD})
    assert done.status_code == 200 and "Your password is changed" in done.text


def test_staff_reset_code_works_once_for_its_user(app: FastAPI, db: Session) -> None:
    staff = _browser(app, make_user(db, role="staff").username)
    user = make_user(db)
    other = make_user(db)
    old_session = _browser(app, user.username)
    wrong_password = staff.post(f"/api/users/{user.id}/reset-code", json={"password": "not mine"})
    assert wrong_password.status_code == 403
    code = staff.post(f"/api/users/{user.id}/reset-code", json={"password": PASSWORD}).json()["code"]

    anyone = TestClient(app)
    csrf_header(anyone)
    reset = {"username": user.username, "code": code, "new_password": NEW_PASSWORD}
    assert anyone.post("/api/auth/reset", json={**reset, "username": other.username}).status_code == 422
    assert anyone.post("/api/auth/reset", json={**reset, "new_password": "password1234"}).status_code == 422
    assert anyone.post("/api/auth/reset", json=reset).status_code == 204
    assert anyone.post("/api/auth/reset", json=reset).status_code == 422, "a code works once"
    assert old_session.get("/api/auth/me").status_code == 401
    sign_in(anyone, user.username, NEW_PASSWORD)


def test_the_staff_reset_page_shows_the_code_once(app: FastAPI, db: Session) -> None:
    staff = _browser(app, make_user(db, role="staff").username)
    user = make_user(db)
    refused = staff.post(f"/staff/users/{user.id}/reset", data={"password": "not mine"})
    assert refused.status_code == 403 and "password is not right" in refused.text
    shown = staff.post(f"/staff/users/{user.id}/reset", data={"password": PASSWORD})
    assert shown.status_code == 200 and "reset-code" in shown.text


# --- sensitive actions ----------------------------------------------------------------------------------


def test_deleting_a_user_asks_for_the_password_again(app: FastAPI, db: Session) -> None:
    staff = _browser(app, make_user(db, role="staff").username)
    user = make_user(db)
    page = staff.post(f"/staff/users/{user.id}/delete", data={"password": "not mine"})
    assert page.status_code == 403 and "password is not right" in page.text
    api = staff.request("DELETE", f"/api/users/{user.id}", json={"password": "not mine"})
    assert api.status_code == 403
    db.expire_all()
    assert db.get(User, user.id) is not None
    assert staff.request("DELETE", f"/api/users/{user.id}", json={"password": PASSWORD}).status_code == 204


def test_the_api_lets_a_fresh_sign_in_stand_for_the_password_for_a_few_minutes(
    app: FastAPI, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    staff = _browser(app, make_user(db, role="staff").username)
    first, second = make_user(db), make_user(db)
    assert staff.delete(f"/api/users/{first.id}").status_code == 204, "signed in a moment ago"
    monkeypatch.setenv("PEER_REAUTH_WINDOW_S", "0")
    get_settings.cache_clear()
    assert staff.delete(f"/api/users/{second.id}").status_code == 403, "the window is over: the password again"
    assert staff.request("DELETE", f"/api/users/{second.id}", json={"password": PASSWORD}).status_code == 204


def test_the_last_staff_account_cannot_be_deleted(db: Session) -> None:
    only = make_user(db, role="staff")
    with pytest.raises(Conflict, match="last staff"):
        ensure_not_last_staff(db=db, user=only)
    second = make_user(db, role="staff")
    ensure_not_last_staff(db=db, user=only)
    second.is_active = False
    db.add(second)
    db.commit()
    with pytest.raises(Conflict):
        ensure_not_last_staff(db=db, user=only)


# --- production -----------------------------------------------------------------------------------------


def _serve(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {"PATH": "/usr/bin:/bin", "PEER_DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}", **env}
    command = [sys.executable, "-m", "app", "serve", "--port", "1"]
    return subprocess.run(command, env=environment, capture_output=True, text=True, timeout=120, cwd=PROJECT_ROOT)


@pytest.mark.parametrize("key", ["", "short-secret", "x" * 31, "dev-only-change-me"])
def test_production_refuses_to_start_with_a_weak_secret(tmp_path: Path, key: str) -> None:
    started = _serve(tmp_path, PEER_ENVIRONMENT="production", PEER_SECRET_KEY=key)
    assert started.returncode == 2, started.stderr
    assert "PEER_SECRET_KEY" in started.stderr and "Traceback" not in started.stderr
    assert not (tmp_path / "p.db").exists(), "nothing may happen before the settings are checked"


def test_production_cookies_are_secure_with_the_host_prefix(db: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PEER_ENVIRONMENT", "production")
    monkeypatch.setenv("PEER_SECRET_KEY", "k" * 40)
    get_settings.cache_clear()
    from app.main import create_app

    user = make_user(db)
    client = TestClient(create_app(), base_url="https://testserver")
    token = client.get("/api/auth/csrf").json()["csrftoken"]
    csrf_cookie = client.cookies.jar
    assert any(c.name == "__Host-csrftoken" and c.secure and c.path == "/" for c in csrf_cookie)
    answer = client.post(
        "/api/auth/login", json={"username": user.username, "password": PASSWORD}, headers={"X-CSRFToken": token}
    )
    assert answer.status_code == 200
    cookie = answer.headers["set-cookie"].lower()
    assert cookie.startswith("__host-peer_session=") and "secure" in cookie and "path=/" in cookie
    assert "domain=" not in cookie and "httponly" in cookie
    get_settings.cache_clear()


def test_the_docker_image_defaults_to_production_without_a_secret() -> None:
    env: dict[str, str] = {}
    for line in (PROJECT_ROOT / "Dockerfile").read_text().replace("\\\n", " ").splitlines():
        if line.startswith("ENV "):
            env |= dict(pair.split("=", 1) for pair in line[4:].split())
    assert env["PEER_ENVIRONMENT"] == "production"
    assert env["PEER_DEMO_ACCOUNTS"] == "false"
    assert "PEER_SECRET_KEY" not in env, "the secret must come from whoever runs the image"


# --- privacy of what is sent ----------------------------------------------------------------------------


def test_transcripts_exports_and_pages_are_not_stored_by_caches(client: TestClient) -> None:
    session_id = client.post("/api/sessions", json={"persona": "dana-alcohol"}).json()["id"]
    for path in (f"/api/sessions/{session_id}", f"/sessions/{session_id}", "/me/export", "/", "/account"):
        answer = client.get(path)
        assert answer.status_code == 200, path
        assert answer.headers["cache-control"] == "no-store", path
    assert "no-store" not in client.get("/static/css/app.css").headers.get("cache-control", "")


@pytest.mark.parametrize("username", ["Łukasz", 'say"hi', "名前", "semi;colon"])
def test_export_file_names_work_for_any_username(app: FastAPI, db: Session, username: str) -> None:
    make_user(db, username=username)
    browser = _browser(app, username)
    answer = browser.get("/me/export")
    assert answer.status_code == 200
    disposition = answer.headers["content-disposition"]
    assert disposition.isascii() and disposition.count('"') == 2
    encoded = disposition.split("filename*=UTF-8''", 1)[1]
    assert httpx.URL(f"/?f={encoded}").params["f"] == f"peer-practice-{username}.json"


def test_an_unexpected_error_gets_the_apps_500_page_with_security_headers(
    app: FastAPI, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(**_kwargs: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr("app.routes.account_pages.export_my_data", broken)
    monkeypatch.setattr("app.routes.admin_api.export_my_data", broken)
    user = make_user(db)
    browser = TestClient(app, raise_server_exceptions=False)
    sign_in(browser, user.username)
    page = browser.get("/me/export")
    assert page.status_code == 500 and page.headers["content-type"].startswith("text/html")
    assert "Nothing you had saved was lost" in page.text and "/static/css/app.css" in page.text
    assert "Internal Server Error" not in page.text
    for header in ("content-security-policy", "x-frame-options", "x-content-type-options"):
        assert header in page.headers
    assert page.headers["cache-control"] == "no-store"
    api = browser.get("/api/me/export")
    assert api.status_code == 500 and "Nothing you had saved was lost" in api.json()["detail"]
    assert "content-security-policy" in api.headers


def test_sessions_rows_of_a_deleted_user_are_gone(app: FastAPI, db: Session) -> None:
    staff = _browser(app, make_user(db, role="staff").username)
    user = make_user(db)
    user_id = user.id
    _browser(app, user.username)
    assert staff.request("DELETE", f"/api/users/{user_id}", json={"password": PASSWORD}).status_code == 204
    db.expire_all()
    assert db.exec(select(AuthSession).where(col(AuthSession.user_id) == user_id)).all() == []
