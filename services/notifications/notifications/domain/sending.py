"""The dispatcher's channel work: send what is due, retry with backoff from the DB, report the outcome.

Each step works in the unit of work the dispatcher hands it and commits nothing itself. Its due deliveries come as
plain rows holding what sending needs (``repository.deliveries.due``) and what came of them is written by one
statement at its end (``Outcomes``): the issue-18 stream makes about one urgent SMS a write, and at 500 writes a
second an ORM object a delivery, message and recipient, flushed back by an UPDATE each, cost more than the send."""

import uuid
from collections import Counter, defaultdict
from typing import NamedTuple

import structlog

from backstop_common.clock import Clock
from backstop_common.topics import NOTIFICATIONS_DELIVERY
from backstop_common.uow import UnitOfWork
from notifications.context import Context
from notifications.domain.schedule import backoff
from notifications.events import NotificationDelivered, NotificationFailed
from notifications.metrics import SENDS
from notifications.providers import DeliveryError
from notifications.repository import deliveries as repo

log = structlog.get_logger()


class Addressee(NamedTuple):
    """What a provider reads of a recipient (``providers.address_of``; the logging provider's line, its id)."""

    id: uuid.UUID
    phone: str | None
    email: str | None
    group_webhook_url: str | None


def _addressee(row) -> Addressee:
    return Addressee(row["recipient_id"], row["phone"], row["email"], row["group_webhook_url"])


def _error_text(exc: Exception) -> str:
    """A provider's own message (never holds an address), or only the type of an unexpected error."""
    return str(exc) if isinstance(exc, DeliveryError) else f"provider error: {type(exc).__name__}"


async def _attempt(ctx: Context, channel: str, to: Addressee, text: str, ref: str) -> str | None:
    """One send; its error's text, or None when it went out."""
    try:
        await ctx.providers[channel].send(to, text, message_ref=ref)
    except Exception as exc:  # noqa: BLE001  (a provider bug must not stall the queue)
        return _error_text(exc)
    return None


class Outcomes:
    """A step's outcomes — each delivery's new state, one list a column of ``repo.write_outcomes`` — and the events
    reporting them, written at its end in one statement. A failed attempt is tried again after a backoff in
    ``retry_status`` (a digest's: held for the next digest) until the last one allowed fails it."""

    COLUMNS = ("delivery", "status", "attempts", "next_attempt_at", "last_error", "digest_id")

    def __init__(self, ctx: Context, clock: Clock, retry_status: str = "pending"):
        self._settings, self._clock, self._retry = ctx.settings, clock, retry_status
        self.columns: dict[str, list] = {name: [] for name in self.COLUMNS}
        self.reports: list[tuple] = []
        self._sends: Counter = Counter()

    def add(self, row, error: str | None, digest_id: uuid.UUID | None = None) -> None:
        """What came of one attempt on ``row`` (a ``repo.due`` row): sent, failed for good, or due again later."""
        s, attempts, next_at = self._settings, row["attempts"] + 1, None
        self._sends[row["channel"], "ok" if error is None else "error"] += 1
        if error is None:
            status = "sent"
            self._report(row, attempts)
        else:
            error = error[:500]
            if attempts >= s.delivery_max_attempts:
                status = "failed"
                self._report(row, attempts, error)
                log.warning("notify.failed", channel=row["channel"], delivery_id=str(row["id"]), error=error)
            else:
                status = self._retry
                next_at = self._clock.now() + backoff(attempts, s.backoff_base_s, s.backoff_max_s)
        for name, value in zip(self.COLUMNS, (row["id"], status, attempts, next_at, error, digest_id), strict=True):
            self.columns[name].append(value)

    def _report(self, row, attempts: int, error: str | None = None) -> None:
        fields = dict(message_id=row["message_id"], event_id=row["event_id"], event_type=row["event_type"],
                      recipient_id=row["recipient_id"], channel=row["channel"], attempts=attempts)
        name, data = (("notification.failed", NotificationFailed(**fields, error=error)) if error is not None
                      else ("notification.delivered", NotificationDelivered(**fields)))
        self.reports.append((name, row["message_id"], data, row["event_area"]))

    async def write(self, uow: UnitOfWork) -> None:
        """The deliveries' new state, their attempts and the reports, stamped now (after the step's sends)."""
        for (channel, outcome), n in self._sends.items():
            SENDS.labels(channel, outcome).inc(n)
        if self.reports:
            # a message's deliveries may be sent by two dispatchers at once (each holds only its own rows):
            # its reports, subject the message, must still reach the wire in the order they are written
            await uow.hold_subjects(NOTIFICATIONS_DELIVERY, {message_id for _, message_id, _, _ in self.reports})
        events = uow.publish_rows(NOTIFICATIONS_DELIVERY, self.reports)  # the step's session holds no other event
        await repo.write_outcomes(uow.session, self.columns, uow.clock.now(), events)


async def _due(uow: UnitOfWork, ctx: Context, status: str) -> list:
    return await repo.due(uow.session, status, uow.clock.now(), ctx.settings.dispatch_batch_size)


async def send_due(uow: UnitOfWork, ctx: Context) -> int:
    """Send the single deliveries that are due, a batch (``dispatch_batch_size``) of them, row-locked so that two
    instances never send one twice; returns how many (the dispatcher asks again while they fill a batch)."""
    rows, outcomes = await _due(uow, ctx, "pending"), Outcomes(ctx, uow.clock)
    for row in rows:
        outcomes.add(row, await _attempt(ctx, row["channel"], _addressee(row), row["body_zh"], str(row["message_id"])))
    await outcomes.write(uow)
    return len(rows)


async def send_digests(uow: UnitOfWork, ctx: Context) -> int:
    """One SMS per recipient with everything held for the digest (每日汇总)."""
    by_recipient: dict[uuid.UUID, list] = defaultdict(list)
    outcomes = Outcomes(ctx, uow.clock, retry_status="held")  # retried as a digest again
    for row in await _due(uow, ctx, "held"):
        by_recipient[row["recipient_id"]].append(row)
    for rows in by_recipient.values():
        digest_id = uuid.uuid4()
        lines = [f"{i}. {row['body_zh']}" for i, row in enumerate(rows, 1)]
        text = f"今日汇总：您有{len(rows)}条未发送短信的通知，请登录查看。\n" + "\n".join(lines)
        error = await _attempt(ctx, "sms", _addressee(rows[0]), text, f"digest:{digest_id}")
        for row in rows:
            outcomes.add(row, error, digest_id)
    await outcomes.write(uow)
    return len(by_recipient)
