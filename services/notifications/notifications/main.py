"""The notifications app: ``uvicorn notifications.main:app``."""

from fastapi import FastAPI

from backstop_common.app import ServiceSpec, create_app
from notifications.config import Settings
from notifications.events import catalog
from notifications.handlers import HANDLERS


def build_app(settings: Settings | None = None) -> FastAPI:
    return create_app(ServiceSpec(
        name="notifications", title="Backstop notifications", settings=settings or Settings(),
        catalog=catalog, handlers=HANDLERS,
    ))


app = build_app()
