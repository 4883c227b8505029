"""Jinja templates (autoescape on) shared by the page routes."""

from fastapi.templating import Jinja2Templates

from app.config import PROJECT_ROOT

WEB_DIR = PROJECT_ROOT / "web"

templates = Jinja2Templates(directory=WEB_DIR / "templates")
