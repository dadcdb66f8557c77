"""The registry app: ``uvicorn registry.main:app``."""

from fastapi import FastAPI

from backstop_common import sync_queries
from backstop_common.app import ServiceSpec, create_app
from backstop_common.clock import Clock
from registry.api import access_log, areas, exports, feeds, households, hot, imports, members, records, sync
from registry.background import purger
from registry.config import Settings
from registry.domain.monitoring_status import HANDLERS
from registry.events import catalog


def spec(settings: Settings | None = None, clock: Clock | None = None) -> ServiceSpec:
    """``clock``: tests hand in one they move; otherwise the kernel builds a real-time one."""
    return ServiceSpec(
        name="registry", title="Backstop registry", settings=settings or Settings(),
        catalog=catalog,
        routers=[areas.router, areas.public_router, households.router, members.router, records.router, feeds.router,
                 imports.router, access_log.router, exports.router, sync.router],
        background=[purger, sync_queries.purge],
        handlers=HANDLERS, clock=clock, hot_routes=hot.ROUTES,
    )


def build_app(settings: Settings | None = None, clock: Clock | None = None) -> FastAPI:
    return create_app(spec(settings, clock))


app = build_app()
