"""Fixtures: a real database per test (a SQLite file, or a fresh PostgreSQL schema), the app, a client."""

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlmodel import Session, SQLModel

from app.config import PROJECT_ROOT, Settings, get_settings
from app.db import engine_for
from tests.factories import make_user, sign_in

PG_URL = os.environ.get("PEER_TEST_DATABASE_URL", "")


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
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()
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
