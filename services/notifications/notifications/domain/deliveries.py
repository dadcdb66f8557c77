"""A message on the outside channels: planned with quiet hours and digests, sent and retried from the DB."""

import uuid
from dataclasses import dataclass

from backstop_common.uow import UnitOfWork
from notifications.context import Context
from notifications.domain.schedule import after_quiet_hours, local_day_start, next_digest_at
from notifications.models import Recipient
from notifications.providers import address_of
from notifications.repository import deliveries as repo


@dataclass
class Outgoing:
    """A new message and the channels its rules asked for."""

    message_id: uuid.UUID
    recipient: Recipient
    channels: list[str]
    urgent: bool


async def plan(ctx: Context, uow: UnitOfWork, message_id: uuid.UUID, recipient: Recipient,
               channels: list[str], *, urgent: bool) -> int:
    """The deliveries of one message (``plan_all``); returns how many."""
    return await plan_all(ctx, uow, [Outgoing(message_id, recipient, channels, urgent)])


async def plan_all(ctx: Context, uow: UnitOfWork, outgoing: list[Outgoing]) -> int:
    """One delivery row per channel a message's rules ask for and its recipient has an address on, all in one
    insert; returns how many.

    Non-urgent SMS waits for the end of the recipient's quiet hours, and beyond the daily threshold
    is held for that recipient's evening digest (one SMS instead of fifty on an import day). The day's count
    is read once for the recipients concerned and counted on here, so a batch plans what one by one would.
    """
    now, s = uow.clock.now(), ctx.settings
    texted = {o.recipient.id for o in outgoing if not o.urgent and "sms" in o.channels}
    sent_today = await repo.sms_since(uow.session, sorted(texted), local_day_start(now, s.timezone))
    rows = []
    for o in outgoing:
        recipient = o.recipient
        for channel in o.channels:
            if channel not in (recipient.channels or []) or not address_of(recipient, channel):
                continue
            status, due = "pending", now
            if channel == "sms" and not o.urgent:
                if sent_today.get(recipient.id, 0) >= s.sms_digest_threshold:
                    status, due = "held", next_digest_at(now, s.digest_hour, s.timezone)
                due = after_quiet_hours(due, recipient.quiet_start, recipient.quiet_end, s.timezone)
            if channel == "sms":
                sent_today[recipient.id] = sent_today.get(recipient.id, 0) + 1
            rows.append(dict(message_id=o.message_id, recipient_id=recipient.id, channel=channel, status=status,
                             next_attempt_at=due, created_at=now, attempts=0))
    await repo.insert_all(uow.session, rows)
    return len(rows)
