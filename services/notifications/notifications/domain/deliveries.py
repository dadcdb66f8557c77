"""A message on the outside channels: planned with quiet hours and digests, sent and retried from the DB."""

import uuid

from backstop_common.uow import UnitOfWork
from notifications.context import Context
from notifications.domain.schedule import after_quiet_hours, local_day_start, next_digest_at
from notifications.models import Delivery, Recipient
from notifications.providers import address_of
from notifications.repository import deliveries as repo


async def plan(ctx: Context, uow: UnitOfWork, message_id: uuid.UUID, recipient: Recipient,
               channels: list[str], *, urgent: bool) -> list[Delivery]:
    """One delivery row per channel the rule asks for and the recipient has an address on.

    Non-urgent SMS waits for the end of the recipient's quiet hours, and beyond the daily threshold
    is held for that recipient's evening digest (one SMS instead of fifty on an import day).
    """
    now, s = uow.clock.now(), ctx.settings
    planned = []
    for channel in channels:
        if channel not in (recipient.channels or []) or not address_of(recipient, channel):
            continue
        status, due = "pending", now
        if channel == "sms" and not urgent:
            sent_today = await repo.sms_since(uow.session, recipient.id, local_day_start(now, s.timezone))
            if sent_today >= s.sms_digest_threshold:
                status, due = "held", next_digest_at(now, s.digest_hour, s.timezone)
            due = after_quiet_hours(due, recipient.quiet_start, recipient.quiet_end, s.timezone)
        delivery = Delivery(message_id=message_id, recipient_id=recipient.id, channel=channel,
                            status=status, next_attempt_at=due, created_at=now)
        uow.session.add(delivery)
        planned.append(delivery)
    await uow.session.flush()
    return planned
