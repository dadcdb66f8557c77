"""The background dispatcher (ServiceSpec.background): channel sends, digests, escalations, webhooks.

It holds no retry state of its own: every tick reads what is due from the database, so a restart
or a second instance picks up exactly where things stand. Each step runs in a unit of work the kernel's
job runner builds (with the app's clock) and commits; a step that fails is logged and rolled back alone.
"""

import asyncio
import itertools
import uuid
from collections.abc import Awaitable, Callable

import structlog
from fastapi import FastAPI

from backstop_common.jobs import unit_of_work
from backstop_common.uow import UnitOfWork
from notifications.context import Context
from notifications.domain import escalation, parking, sending, webhook_sender
from notifications.metrics import WEBHOOKS_PAUSED
from notifications.repository import webhooks

log = structlog.get_logger()


async def _run(app: FastAPI, name: str, step: Callable[[UnitOfWork], Awaitable[object]]) -> object:
    """The step's answer once its unit of work committed; None if it failed."""
    try:
        async with unit_of_work(app) as uow:
            return await step(uow)
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        log.warning("dispatch.step_failed", step=name, error=repr(exc)[:300])
    return None


async def send_all_due(ctx: Context, app: FastAPI) -> int:
    """Batches of due deliveries (``sending.send_due``), each its own transaction, for as long as they come full
    and at most ``dispatch_max_batches`` of them; returns how many were sent. A batch a tick was 100 sends a
    second while the issue-18 stream makes one urgent SMS a write (500 a second): the cadres' SMS fell minutes
    behind. The bound keeps a flood from holding the tick's other steps (digests, escalations) for long."""
    sent = 0
    for _ in range(ctx.settings.dispatch_max_batches):
        count = await _run(app, "send_due", lambda uow: sending.send_due(uow, ctx))
        sent += count or 0
        if count != ctx.settings.dispatch_batch_size:
            break
    return sent


class WebhookWorkers:
    """Starts a worker for each subscriber with due deliveries that has none running."""

    def __init__(self, ctx: Context, app: FastAPI):
        self._ctx, self._app = ctx, app
        self._running: dict[uuid.UUID, asyncio.Task] = {}

    async def tick(self) -> None:
        async with unit_of_work(self._app) as uow:
            ids = await webhooks.subscribers_due(uow.session, uow.clock.now())
            WEBHOOKS_PAUSED.set(await webhooks.paused_count(uow.session))
        for sub_id in ids:
            task = self._running.get(sub_id)
            if task is None or task.done():
                self._running[sub_id] = asyncio.create_task(self._serve(sub_id), name=f"webhook-{sub_id}")

    async def _serve(self, sub_id: uuid.UUID) -> None:
        try:
            async with unit_of_work(self._app) as uow:
                await webhook_sender.serve_subscriber(uow, self._ctx, sub_id)
        except Exception as exc:  # a broken worker must not take the dispatcher down
            log.warning("webhook.worker_error", subscription_id=str(sub_id), error=repr(exc)[:200])

    async def stop(self) -> None:
        for task in self._running.values():
            task.cancel()
        await asyncio.gather(*self._running.values(), return_exceptions=True)


#: every how many ticks a step runs: sends go every tick; digests and escalations fall due by the hour and the
#: parking keeps its events for 30 days, so asking for them every tick was three empty transactions a second (a
#: third of the dispatcher's samples in the income batch's profile)
EVERY = {"send_digests": 10, "escalate_due": 10, "drop_stale_parked": 60}


async def tick(ctx: Context, app: FastAPI, workers: WebhookWorkers, number: int = 0) -> None:
    """One round of the dispatcher (``number``: its count, for the steps that run every few rounds)."""
    await send_all_due(ctx, app)
    steps = {"send_digests": lambda uow: sending.send_digests(uow, ctx),
             "escalate_due": lambda uow: escalation.escalate_due(uow, ctx),
             "drop_stale_parked": parking.drop_stale}
    for name, step in steps.items():
        if number % EVERY[name] == 0:
            await _run(app, name, step)
    try:
        await workers.tick()
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        log.warning("dispatch.step_failed", step="webhooks", error=repr(exc)[:300])


def dispatcher_job(ctx: Context):
    async def dispatcher(app: FastAPI) -> None:
        workers = WebhookWorkers(ctx, app)
        try:
            for number in itertools.count():
                await tick(ctx, app, workers, number)
                await asyncio.sleep(ctx.settings.dispatch_interval_s)
        finally:
            await workers.stop()

    dispatcher.__name__ = "notifications-dispatcher"
    return dispatcher
