"""The registry app: ``uvicorn registry.main:app``."""

from fastapi import FastAPI

from backstop_common.app import ServiceSpec, create_app
from registry.api import access_log, areas, exports, feeds, households, imports, members, records
from registry.config import Settings
from registry.domain.access_log import purger
from registry.events import catalog


def build_app(settings: Settings | None = None) -> FastAPI:
    return create_app(ServiceSpec(
        name="registry", title="Backstop registry", settings=settings or Settings(),
        catalog=catalog,
        routers=[areas.router, areas.public_router, households.router, members.router, records.router, feeds.router,
                 imports.router, access_log.router, exports.router],
        background=[purger],
    ))


app = build_app()
