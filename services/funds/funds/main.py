"""The funds app: ``uvicorn funds.main:app``."""

from fastapi import FastAPI

from backstop_common.app import ServiceSpec, create_app
from backstop_common.clock import Clock
from funds.api import allocations, anomalies, payments, projects, public, reports, standards
from funds.background import sweeper
from funds.config import Settings
from funds.events import catalog
from funds.handlers import BATCH_HANDLERS, HANDLERS


def build_app(settings: Settings | None = None, clock: Clock | None = None) -> FastAPI:
    """``clock``: tests hand in one they move; otherwise the kernel builds a real-time one."""
    return create_app(ServiceSpec(
        name="funds", title="Backstop funds", settings=settings or Settings(), catalog=catalog,
        routers=[allocations.router, projects.router, payments.router, anomalies.router, reports.router,
                 standards.router, public.router],
        handlers=HANDLERS, batch_handlers=BATCH_HANDLERS, background=[sweeper], clock=clock,
    ))


app = build_app()
