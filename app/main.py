"""The ASGI application: `app.main:app`."""

import logging

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from app.config import get_settings
from app.routes import api, pages
from app.templating import WEB_DIR


def create_app() -> FastAPI:
    settings = get_settings()
    logging.basicConfig(level=settings.log_level)
    application = FastAPI(title="Peer Practice", version="0.1.0")
    application.mount("/static", StaticFiles(directory=WEB_DIR / "static"), name="static")
    application.include_router(api.router)
    application.include_router(pages.router)
    return application


app = create_app()
