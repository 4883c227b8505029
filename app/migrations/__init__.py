"""Alembic migrations, and the one call that brings a database up to date."""

from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade_database(database_url: str) -> None:
    """Create the database if needed and apply every migration."""
    from app.db import make_engine

    make_engine(database_url).dispose()  # creates the SQLite folder when needed
    command.upgrade(alembic_config(database_url), "head")
