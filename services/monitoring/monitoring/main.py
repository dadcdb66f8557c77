"""The monitoring app: ``uvicorn monitoring.main:app``."""

from fastapi import FastAPI

from backstop_common.app import ServiceSpec, create_app
from monitoring.config import Settings
from monitoring.events import catalog
from monitoring.handlers import HANDLERS


def build_app(settings: Settings | None = None) -> FastAPI:
    return create_app(ServiceSpec(
        name="monitoring", title="Backstop monitoring", settings=settings or Settings(),
        catalog=catalog, handlers=HANDLERS,
    ))


app = build_app()
