"""The notifications app: ``uvicorn notifications.main:app``."""

from fastapi import FastAPI

from backstop_common import sync_queries
from backstop_common.app import ServiceSpec, create_app
from backstop_common.clock import Clock
from notifications.api import direct_sms, inbox, messages, recipients, routing_rules, webhooks
from notifications.config import Settings
from notifications.context import Context
from notifications.dispatcher import dispatcher_job
from notifications.events import catalog
from notifications.handlers import build_batch_handler, build_handlers


def build_app(settings: Settings | None = None, *, clock: Clock | None = None) -> FastAPI:
    """``clock``: tests hand in one they move; otherwise the kernel builds a real-time one (movable through
    /_ops/clock when CLOCK_CONTROL_ENABLED)."""
    ctx = Context.build(settings or Settings())
    app = create_app(ServiceSpec(
        name="notifications", title="Backstop notifications", settings=ctx.settings,
        catalog=catalog, handlers=build_handlers(ctx),
        # a partition's whole fetch routed set-based, its types mixed in their order (handlers.py): on monitoring.case
        # a household's risk.detected and case.opened alternate, so runs of one type would hold one event each
        fetch_handler=build_batch_handler(ctx),
        background=[dispatcher_job(ctx), sync_queries.purge],
        routers=[recipients.router, routing_rules.router, inbox.router, messages.router, webhooks.router,
                 direct_sms.router], clock=clock,
    ))
    app.state.ctx = ctx
    return app


app = build_app()
