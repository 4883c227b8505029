"""Jinja templates (autoescape on) shared by the page routes."""

from fastapi import Request
from fastapi.templating import Jinja2Templates

from app.config import PROJECT_ROOT

WEB_DIR = PROJECT_ROOT / "web"

templates = Jinja2Templates(directory=WEB_DIR / "templates")


def csrf_token(request: Request) -> str:
    """The CSRF token for forms and htmx headers (set by app.security.CSRFMiddleware)."""
    token: str = request.scope["csrftoken"]()
    return token


templates.env.globals["csrf_token"] = csrf_token
