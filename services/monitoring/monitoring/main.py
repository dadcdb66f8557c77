"""The monitoring app: ``uvicorn monitoring.main:app``."""

from fastapi import FastAPI

from backstop_common import sync_queries
from backstop_common.app import ServiceSpec, create_app
from backstop_common.clock import Clock
from backstop_common.jobs import unit_of_work
from monitoring import campaigns, supervision
from monitoring.api import cases, households, policies, signals, stats, sync
from monitoring.config import Settings
from monitoring.events import catalog
from monitoring.handlers import BATCH_HANDLERS, HANDLERS
from monitoring.jobs import deadline_sweeper, rescreen_recovery


async def load_reference_data(app: FastAPI) -> None:
    """Seed 002's checklist (大排查 items) and supervision's clocks and categories are reference data: present
    in every county, editable by API."""
    async with unit_of_work(app) as uow:
        await campaigns.load_checklist(uow)
        await supervision.load_supervision_policy(uow.session)


def build_app(settings: Settings | None = None, clock: Clock | None = None) -> FastAPI:
    """The app; ``clock`` is the one a test hands in to move (a real-time one otherwise)."""
    app = create_app(ServiceSpec(
        name="monitoring", title="Backstop monitoring", settings=settings or Settings(), catalog=catalog, clock=clock,
        handlers=campaigns.merge_handlers(HANDLERS, campaigns.HANDLERS),
        # a type campaigns also follows is applied one event at a time (its handler is the merged one)
        batch_handlers={t: h for t, h in BATCH_HANDLERS.items() if t not in campaigns.HANDLERS},
        background=[load_reference_data, deadline_sweeper, rescreen_recovery, *campaigns.BACKGROUND, *supervision.BACKGROUND,
                    sync_queries.purge],
        routers=[policies.router, signals.router, cases.router, households.router, stats.router, sync.router,
                 campaigns.router,
                 supervision.router, supervision.public_router, supervision.declarations_router,
                 supervision.declarations_public],
    ))
    app.state.vault = supervision.vault_from(app.state.settings)
    return app


app = build_app()
