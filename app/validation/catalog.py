"""The catalog the app and `validate` use: every persona checked against the engine that speaks it."""

from pathlib import Path

from app.content.catalog import Catalog, get_catalog, load_catalog
from app.validation.persona_checks import catalog_problems


def checked_catalog(content_dir: Path) -> Catalog:
    """The catalog for a content folder, with broken personas left out, reloaded when a file changes."""
    return get_catalog(content_dir, check=catalog_problems)


def load_checked_catalog(content_dir: Path) -> Catalog:
    return load_catalog(content_dir, check=catalog_problems)
