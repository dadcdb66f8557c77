"""The background dispatcher (ServiceSpec.background): channel sends, digests, escalations, webhooks.

It holds no retry state of its own: every tick reads what is due from the database, so a restart
or a second instance picks up exactly where things stand.
"""

import asyncio

import structlog
from fastapi import FastAPI

from backstop_common.uow import UnitOfWork
from notifications.context import Context
from notifications.domain.escalation import escalate_due
from notifications.domain.parking import drop_stale
from notifications.domain.sending import send_digests, send_due
from notifications.domain.webhook_sender import WebhookWorkers

log = structlog.get_logger()


async def drop_stale_parked(ctx: Context, sessions, wake) -> None:
    async with sessions() as session:
        await drop_stale(UnitOfWork(session, ctx.settings.service_name), ctx.clock())
        await session.commit()


async def tick(ctx: Context, app: FastAPI, workers: WebhookWorkers) -> None:
    sessions, wake = app.state.sessions, app.state.relay.wake
    for step in (send_due, send_digests, escalate_due, drop_stale_parked):
        try:
            await step(ctx, sessions, wake)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("dispatch.step_failed", step=step.__name__, error=repr(exc)[:300])
    try:
        await workers.tick()
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        log.warning("dispatch.step_failed", step="webhooks", error=repr(exc)[:300])


def dispatcher_job(ctx: Context):
    async def dispatcher(app: FastAPI) -> None:
        workers = WebhookWorkers(ctx, app.state.sessions)
        try:
            while True:
                await tick(ctx, app, workers)
                await asyncio.sleep(ctx.settings.dispatch_interval_s)
        finally:
            await workers.stop()

    dispatcher.__name__ = "notifications-dispatcher"
    return dispatcher
