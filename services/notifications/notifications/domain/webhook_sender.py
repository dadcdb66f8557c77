"""Sending webhooks: one subscriber at a time, so a failing endpoint never holds up the others.

A round for a subscriber locks its subscription row (two instances never send to one subscriber at once),
sends its due deliveries in order, and keeps every retry in the database: attempts, ``next_attempt_at``
(exponential backoff with jitter), the last error. ``webhook_pause_after_failures`` failures in a
row pause the subscriber; its deliveries wait until it is resumed.
"""

import uuid

import httpx
import structlog

from backstop_common.uow import UnitOfWork
from notifications.context import Context
from notifications.domain.schedule import backoff
from notifications.domain.webhooks import signed_request
from notifications.metrics import WEBHOOK_SENDS
from notifications.models import Attempt, WebhookDelivery, WebhookSubscription
from notifications.repository import webhooks as repo

log = structlog.get_logger()


async def _post(ctx: Context, sub: WebhookSubscription, delivery: WebhookDelivery) -> tuple[int | None, str | None]:
    body, headers = signed_request(sub, delivery)
    try:
        async with httpx.AsyncClient(timeout=ctx.settings.webhook_timeout_s) as client:
            resp = await client.post(sub.url, content=body.encode(), headers=headers)
    except Exception as exc:  # noqa: BLE001  (network errors, odd URLs: a failure with backoff, never a crash)
        return None, f"unreachable: {type(exc).__name__}"
    return resp.status_code, None if 200 <= resp.status_code < 300 else f"answered HTTP {resp.status_code}"


def _record(ctx: Context, uow: UnitOfWork, sub: WebhookSubscription, delivery: WebhookDelivery, status: int | None,
            error: str | None) -> None:
    now, s = uow.clock.now(), ctx.settings
    delivery.attempts += 1
    WEBHOOK_SENDS.labels("ok" if error is None else "error").inc()
    uow.session.add(Attempt(kind="webhook", delivery_id=delivery.id, number=delivery.attempts, ok=error is None,
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


async def serve_subscriber(uow: UnitOfWork, ctx: Context, sub_id: uuid.UUID) -> int:
    """Send the subscriber's due deliveries in order, stopping at the first that must wait; returns how many went."""
    sub = await repo.lock_subscription(uow.session, sub_id)
    if sub is None or sub.paused:
        return 0
    sent = 0
    for delivery in await repo.pending_of(uow.session, sub_id, ctx.settings.dispatch_batch_size):
        if delivery.next_attempt_at > uow.clock.now():
            break  # the oldest waits for its retry; later events do not overtake it
        status, error = await _post(ctx, sub, delivery)
        _record(ctx, uow, sub, delivery, status, error)
        if error is not None:
            break  # keep this subscriber's order; the rest wait for the retry
        sent += 1
    return sent
