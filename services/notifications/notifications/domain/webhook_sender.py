"""Sending webhooks: one worker per subscriber, so a failing endpoint never holds up the others.

Each worker locks its subscription row (two instances never send to one subscriber at once), sends
its due deliveries in order, and keeps every retry in the database: attempts, ``next_attempt_at``
(exponential backoff with jitter), the last error. ``webhook_pause_after_failures`` failures in a
row pause the subscriber; its deliveries wait until it is resumed.
"""

import asyncio
import uuid

import httpx
import structlog
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from notifications.context import Context
from notifications.domain.schedule import backoff
from notifications.domain.webhooks import signed_request
from notifications.metrics import WEBHOOK_SENDS, WEBHOOKS_PAUSED
from notifications.models import Attempt, WebhookDelivery, WebhookSubscription

log = structlog.get_logger()


async def _post(ctx: Context, sub: WebhookSubscription, delivery: WebhookDelivery) -> tuple[int | None, str | None]:
    body, headers = signed_request(sub, delivery)
    try:
        async with httpx.AsyncClient(timeout=ctx.settings.webhook_timeout_s) as client:
            resp = await client.post(sub.url, content=body.encode(), headers=headers)
    except Exception as exc:  # noqa: BLE001  (network errors, odd URLs: a failure with backoff, never a crash)
        return None, f"unreachable: {type(exc).__name__}"
    return resp.status_code, None if 200 <= resp.status_code < 300 else f"answered HTTP {resp.status_code}"


def _record(ctx: Context, session, sub: WebhookSubscription, delivery: WebhookDelivery, status: int | None,
            error: str | None) -> None:
    now, s = ctx.clock(), ctx.settings
    delivery.attempts += 1
    WEBHOOK_SENDS.labels("ok" if error is None else "error").inc()
    session.add(Attempt(kind="webhook", delivery_id=delivery.id, number=delivery.attempts, ok=error is None,
                        http_status=status, error=error, at=now))
    delivery.last_status = status
    if error is None:
        delivery.status, delivery.sent_at, delivery.last_error = "sent", now, None
        sub.consecutive_failures, sub.last_success_at = 0, now
        return
    delivery.last_error = sub.last_error = error
    sub.consecutive_failures += 1
    if delivery.attempts >= s.webhook_max_attempts:
        delivery.status = "failed"
    else:
        delivery.next_attempt_at = now + backoff(delivery.attempts, s.webhook_backoff_base_s, s.webhook_backoff_max_s)
    if sub.consecutive_failures >= s.webhook_pause_after_failures and not sub.paused:
        sub.paused, sub.paused_at = True, now
        log.warning("webhook.paused", subscription_id=str(sub.id), failures=sub.consecutive_failures, error=error)


async def serve_subscriber(ctx: Context, sessions: async_sessionmaker, sub_id: uuid.UUID) -> int:
    async with sessions() as session:
        sub = (await session.execute(select(WebhookSubscription).where(WebhookSubscription.id == sub_id)
                                     .with_for_update(skip_locked=True))).scalar_one_or_none()
        if sub is None or sub.paused:
            return 0
        due = (await session.execute(
            select(WebhookDelivery).where(WebhookDelivery.subscription_id == sub_id, WebhookDelivery.status == "pending")
            .order_by(WebhookDelivery.created_at, WebhookDelivery.id).limit(ctx.settings.dispatch_batch_size))).scalars().all()
        sent = 0
        for delivery in due:
            if delivery.next_attempt_at > ctx.clock():
                break  # the oldest waits for its retry; later events do not overtake it
            status, error = await _post(ctx, sub, delivery)
            _record(ctx, session, sub, delivery, status, error)
            if error is not None:
                break  # keep this subscriber's order; the rest wait for the retry
            sent += 1
        await session.commit()
        return sent


class WebhookWorkers:
    """Starts a worker for each subscriber with due deliveries that has none running."""

    def __init__(self, ctx: Context, sessions: async_sessionmaker):
        self._ctx, self._sessions = ctx, sessions
        self._running: dict[uuid.UUID, asyncio.Task] = {}

    async def tick(self) -> None:
        async with self._sessions() as session:
            ids = (await session.execute(
                select(WebhookDelivery.subscription_id).distinct()
                .join(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id)
                .where(WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= self._ctx.clock(),
                       WebhookSubscription.paused.is_(False)))).scalars().all()
            WEBHOOKS_PAUSED.set((await session.execute(
                select(func.count()).select_from(WebhookSubscription).where(WebhookSubscription.paused))).scalar_one())
        for sub_id in ids:
            task = self._running.get(sub_id)
            if task is None or task.done():
                self._running[sub_id] = asyncio.create_task(self._run(sub_id), name=f"webhook-{sub_id}")

    async def _run(self, sub_id: uuid.UUID) -> None:
        try:
            await serve_subscriber(self._ctx, self._sessions, sub_id)
        except Exception as exc:  # a broken worker must not take the dispatcher down
            log.warning("webhook.worker_error", subscription_id=str(sub_id), error=repr(exc)[:200])

    async def stop(self) -> None:
        for task in self._running.values():
            task.cancel()
        await asyncio.gather(*self._running.values(), return_exceptions=True)
