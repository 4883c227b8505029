"""Alembic migrations build the same schema as the models, on SQLite and PostgreSQL."""

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

from app.config import Settings
from app.db import make_engine
from app.migrations import alembic_config, upgrade_database


def test_upgrade_creates_every_table(settings: Settings) -> None:
    upgrade_database(settings.database_url)
    engine = make_engine(settings.database_url)
    tables = set(inspect(engine).get_table_names())
    assert {"practice_sessions", "turns", "grades", "content_versions", "alembic_version"} <= tables
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    engine.dispose()
    assert diff == [], f"models and migrations differ: {diff}"


def test_upgrade_is_idempotent_and_downgrades(settings: Settings) -> None:
    upgrade_database(settings.database_url)
    upgrade_database(settings.database_url)
    command.downgrade(alembic_config(settings.database_url), "base")
    engine = make_engine(settings.database_url)
    assert "turns" not in inspect(engine).get_table_names()
    engine.dispose()
