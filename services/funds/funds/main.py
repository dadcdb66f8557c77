"""The funds app: ``uvicorn funds.main:app``."""

from fastapi import FastAPI

from backstop_common.app import ServiceSpec, create_app
from funds.config import Settings
from funds.events import catalog


def build_app(settings: Settings | None = None) -> FastAPI:
    return create_app(ServiceSpec(
        name="funds", title="Backstop funds", settings=settings or Settings(), catalog=catalog,
    ))


app = build_app()
