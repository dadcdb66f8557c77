"""Escalation (逐级上报): a message needing action, unread past its deadline, goes one level up — once."""

import structlog

from backstop_common.auth import parent_area
from backstop_common.topics import NOTIFICATIONS_DELIVERY
from backstop_common.uow import UnitOfWork
from notifications.context import Context
from notifications.domain import deliveries
from notifications.domain.areas import office_role
from notifications.events import NotificationEscalated
from notifications.metrics import MESSAGES_CREATED
from notifications.models import Message
from notifications.repository import messages, rules
from notifications.repository import recipients as repo

log = structlog.get_logger()


async def _escalate(ctx: Context, uow: UnitOfWork, message: Message) -> None:
    now = uow.clock.now()
    message.escalated_at = now  # set in the same transaction as the new messages: exactly once
    recipient = await repo.get(uow.session, message.recipient_id)
    above = parent_area(message.level_area or recipient.area_code)
    role = office_role(above) if above else None
    rule = await rules.get(uow.session, message.rule_id) if message.rule_id else None
    channels = list(dict.fromkeys([*(rule.channels if rule else []), "sms"]))  # an escalation also goes by SMS
    window = (message.ack_due_at - message.created_at) if message.ack_due_at and message.created_at else None
    to_ids = []
    for target in (await repo.with_role_at(uow.session, [role], above) if role else []):
        new_id = await messages.insert_once(uow.session, dict(
            event_id=message.event_id, event_type=message.event_type, event_subject=message.event_subject,
            event_area=message.event_area, rule_id=message.rule_id, recipient_id=target.id,
            level_area=above, body_zh="【逾期未处理，升级】" + message.body_zh,
            body_en="[Escalated: not acknowledged in time] " + message.body_en,
            urgent=True, needs_ack=True, created_at=now, escalated_from_id=message.id,
            ack_due_at=now + window if window else None,
        ))
        if new_id is not None:
            to_ids.append(target.id)
            MESSAGES_CREATED.labels(message.event_type, "escalated").inc()
            await deliveries.plan(ctx, uow, new_id, target, channels, urgent=True)
    uow.publish(NOTIFICATIONS_DELIVERY, "notification.escalated", subject=message.id, area_code=message.event_area,
                data=NotificationEscalated(message_id=message.id, event_id=message.event_id,
                                           event_type=message.event_type, from_recipient_id=message.recipient_id,
                                           to_recipient_ids=to_ids, level_area=above))
    log.info("notify.escalated", message_id=str(message.id), level_area=above, to=len(to_ids))


async def escalate_due(uow: UnitOfWork, ctx: Context) -> int:
    """Escalate every original message whose acknowledgement is overdue (escalated copies do not climb again)."""
    due = await messages.unacknowledged_past_due(uow.session, uow.clock.now(), ctx.settings.dispatch_batch_size)
    if due:  # the dispatchers report these messages' deliveries too (``sending.Outcomes.write``)
        await uow.hold_subjects(NOTIFICATIONS_DELIVERY, [message.id for message in due])
    for message in due:
        await _escalate(ctx, uow, message)
    return len(due)
