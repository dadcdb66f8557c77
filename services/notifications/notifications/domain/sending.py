"""The dispatcher's channel work: send what is due, retry with backoff from the DB, report the outcome.

Each step works in the unit of work the dispatcher hands it and commits nothing itself."""

import uuid
from collections import defaultdict

import structlog

from backstop_common.topics import NOTIFICATIONS_DELIVERY
from backstop_common.uow import UnitOfWork
from notifications.context import Context
from notifications.domain.schedule import backoff
from notifications.events import NotificationDelivered, NotificationFailed
from notifications.metrics import SENDS
from notifications.models import Delivery, Message, Recipient
from notifications.providers import DeliveryError
from notifications.repository import deliveries as repo

log = structlog.get_logger()


def _error_text(exc: Exception) -> str:
    """A provider's own message (never holds an address), or only the type of an unexpected error."""
    return str(exc) if isinstance(exc, DeliveryError) else f"provider error: {type(exc).__name__}"


class Outcomes:
    """A step's attempts and the events reporting them, written at its end in one statement each: a tick sends
    up to ``dispatch_batch_size`` deliveries, and an ORM object for each attempt and each event cost more than the
    logging provider's send."""

    def __init__(self):
        self.attempts: list[dict] = []
        self.reports: list[tuple] = []

    def report(self, message: Message, delivery: Delivery, error: str | None = None) -> None:
        fields = dict(message_id=message.id, event_id=message.event_id, event_type=message.event_type,
                      recipient_id=delivery.recipient_id, channel=delivery.channel, attempts=delivery.attempts)
        name, data = (("notification.failed", NotificationFailed(**fields, error=error)) if error is not None
                      else ("notification.delivered", NotificationDelivered(**fields)))
        self.reports.append((name, message.id, data, message.event_area))

    async def write(self, uow: UnitOfWork) -> None:
        await repo.insert_attempts(uow.session, self.attempts)
        if self.reports:
            # a message's deliveries may be sent by two dispatchers at once (each holds only its own rows):
            # its reports, subject the message, must still reach the wire in the order they are written
            await uow.hold_subjects(NOTIFICATIONS_DELIVERY, {message_id for _, message_id, _, _ in self.reports})
            await uow.publish_all(NOTIFICATIONS_DELIVERY, self.reports)


def _after_attempt(ctx: Context, uow: UnitOfWork, message: Message, delivery: Delivery, error: str | None,
                   outcomes: Outcomes) -> None:
    now, s = uow.clock.now(), ctx.settings
    delivery.attempts += 1
    SENDS.labels(delivery.channel, "ok" if error is None else "error").inc()
    outcomes.attempts.append(dict(kind="channel", delivery_id=delivery.id, number=delivery.attempts,
                                  ok=error is None, http_status=None, error=error and error[:500], at=now))
    if error is None:
        delivery.status, delivery.sent_at, delivery.last_error = "sent", now, None
        outcomes.report(message, delivery)
        return
    delivery.last_error = error[:500]
    if delivery.attempts >= s.delivery_max_attempts:
        delivery.status = "failed"
        outcomes.report(message, delivery, delivery.last_error)
        log.warning("notify.failed", channel=delivery.channel, delivery_id=str(delivery.id), error=delivery.last_error)
    else:
        delivery.status = "pending"
        delivery.next_attempt_at = now + backoff(delivery.attempts, s.backoff_base_s, s.backoff_max_s)


async def _due(uow: UnitOfWork, ctx: Context, status: str) -> list[tuple[Delivery, Message, Recipient]]:
    return await repo.due(uow.session, status, uow.clock.now(), ctx.settings.dispatch_batch_size)


async def send_due(uow: UnitOfWork, ctx: Context) -> int:
    """Send every single delivery that is due (row-locked, so two instances never send one twice)."""
    rows, outcomes = await _due(uow, ctx, "pending"), Outcomes()
    for delivery, message, recipient in rows:
        error = None
        try:
            await ctx.providers[delivery.channel].send(recipient, message.body_zh, message_ref=str(message.id))
        except Exception as exc:  # noqa: BLE001  (a provider bug must not stall the queue)
            error = _error_text(exc)
        _after_attempt(ctx, uow, message, delivery, error, outcomes)
    await outcomes.write(uow)
    return len(rows)


async def send_digests(uow: UnitOfWork, ctx: Context) -> int:
    """One SMS per recipient with everything held for the digest (每日汇总)."""
    by_recipient: dict[uuid.UUID, list] = defaultdict(list)
    outcomes = Outcomes()
    for row in await _due(uow, ctx, "held"):
        by_recipient[row[2].id].append(row)
    for rows in by_recipient.values():
        recipient, digest_id = rows[0][2], uuid.uuid4()
        lines = [f"{i}. {m.body_zh}" for i, (_, m, _) in enumerate(rows, 1)]
        text = f"今日汇总：您有{len(rows)}条未发送短信的通知，请登录查看。\n" + "\n".join(lines)
        error = None
        try:
            await ctx.providers["sms"].send(recipient, text, message_ref=f"digest:{digest_id}")
        except Exception as exc:  # noqa: BLE001  (a provider bug must not stall the queue)
            error = _error_text(exc)
        for delivery, message, _ in rows:
            delivery.digest_id = digest_id
            _after_attempt(ctx, uow, message, delivery, error, outcomes)
            if delivery.status == "pending":
                delivery.status = "held"  # retried as a digest again
    await outcomes.write(uow)
    return len(by_recipient)
