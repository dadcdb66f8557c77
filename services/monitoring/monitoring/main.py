"""The monitoring app: ``uvicorn monitoring.main:app``."""

from fastapi import FastAPI

from backstop_common.app import ServiceSpec, create_app
from monitoring.api import cases, households, policies, signals, stats
from monitoring.config import Settings
from monitoring.domain.deadlines import deadline_sweeper
from monitoring.events import catalog
from monitoring.handlers import HANDLERS


def build_app(settings: Settings | None = None) -> FastAPI:
    return create_app(ServiceSpec(
        name="monitoring", title="Backstop monitoring", settings=settings or Settings(),
        catalog=catalog, handlers=HANDLERS, background=[deadline_sweeper],
        routers=[policies.router, signals.router, cases.router, households.router, stats.router],
    ))


app = build_app()
