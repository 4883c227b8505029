"""Prompt templates: Jinja files under prompts/, rendered as plain text and strict about missing values.

A content folder without its own prompts/ uses the ones shipped with the app. Edited files are
picked up without a restart (Jinja checks their modification time).
"""

from functools import lru_cache
from pathlib import Path

import jinja2
from jinja2 import nodes

from app.config import PROJECT_ROOT


def prompts_folder(content_dir: Path, name: str) -> Path:
    """The prompts/ folder that holds template `name`: the content folder's, else the shipped one."""
    for root in (content_dir, PROJECT_ROOT):
        if (root / "prompts" / name).is_file():
            return root / "prompts"
    raise FileNotFoundError(f"prompts/{name} not found in {content_dir} or {PROJECT_ROOT}")


@lru_cache(maxsize=16)
def _environment(folder: Path) -> jinja2.Environment:
    return jinja2.Environment(  # plain text for a model, never HTML
        loader=jinja2.FileSystemLoader(folder),
        autoescape=False,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def load_prompt(content_dir: Path, name: str) -> jinja2.Template:
    return _environment(prompts_folder(content_dir, name)).get_template(name)


def literal_text(content_dir: Path, name: str) -> str:
    """The words a template writes itself (its instructions), without any of the values put in."""
    folder = prompts_folder(content_dir, name)
    return _literal_text(folder, name, (folder / name).stat().st_mtime_ns)


@lru_cache(maxsize=16)
def _literal_text(folder: Path, name: str, _mtime_ns: int) -> str:
    environment = _environment(folder)
    source = (folder / name).read_text(encoding="utf-8")
    return " ".join(node.data for node in environment.parse(source).find_all(nodes.TemplateData))
