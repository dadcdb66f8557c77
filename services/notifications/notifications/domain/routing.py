"""An event in, one message per recipient out (exactly once, however often the event comes again)."""

import uuid
from dataclasses import dataclass, field
from datetime import timedelta

import structlog

from backstop_common.auth import READ_ONLY_ROLES
from backstop_common.envelope import Event
from backstop_common.i18n import EN, ZH
from backstop_common.uow import UnitOfWork
from notifications.context import Context
from notifications.domain import deliveries, parking, targets
from notifications.domain.areas import event_area
from notifications.domain.conditions import all_hold, render
from notifications.domain.labels import labelled
from notifications.metrics import MESSAGES_CREATED
from notifications.models import Recipient, RoutingRule
from notifications.repository import messages as messages_repo
from notifications.repository import recipients as recipients_repo
from notifications.repository import rules as rules_repo

log = structlog.get_logger()


def precedence(rule: RoutingRule) -> tuple:
    """The rule whose text a recipient gets: urgent first, then the more specific (area, conditions)."""
    return (not rule.urgent, not rule.needs_ack, -len(rule.area_prefix), -len(rule.conditions), rule.name)


@dataclass
class Plan:
    """What one recipient gets for one event when several rules name them: one message, merged flags."""

    recipient: Recipient
    rule: RoutingRule
    channels: list[str] = field(default_factory=list)
    urgent: bool = False
    ack_hours: int | None = None

    def add(self, rule: RoutingRule) -> None:
        self.channels += [c for c in rule.channels if c not in self.channels]
        self.urgent = self.urgent or rule.urgent
        if rule.needs_ack and rule.ack_hours:
            self.ack_hours = min(self.ack_hours or rule.ack_hours, rule.ack_hours)


async def route(ctx: Context, uow: UnitOfWork, event: Event, short_name: str) -> int:
    """Apply the routing rules to one event; returns how many messages were created."""
    area = event_area(event)
    rules = sorted(await rules_repo.enabled_for(uow.session, short_name, area), key=precedence)
    chosen: dict[uuid.UUID, Plan] = {}
    wants_helpers = False
    for rule in rules:
        if not all_hold(rule.conditions, event.data):
            continue
        wants_helpers = wants_helpers or any(t.get("kind") == "helpers" for t in rule.targets)
        for target in rule.targets:
            for recipient in await targets.resolve(uow.session, target, event, area):
                chosen.setdefault(recipient.id, Plan(recipient, rule)).add(rule)
    now = uow.clock.now()
    household_id = event.data.get("household_id")
    if wants_helpers and household_id and await recipients_repo.household(uow.session, str(household_id)) is None:
        await parking.park(uow, event, str(household_id), now)
    values = {**event.data, "event_type": short_name, "area_code": area, "subject": event.subject}
    values_zh, values_en = labelled(short_name, values, ZH), labelled(short_name, values, EN)
    created = 0
    for plan in chosen.values():
        recipient, rule = plan.recipient, plan.rule
        if recipient.role in READ_ONLY_ROLES:  # an auditor cannot acknowledge (POST is refused): inform only
            plan.ack_hours = None
        message_id = await messages_repo.insert_once(uow.session, dict(
            event_id=event.id, event_type=short_name, event_subject=event.subject, event_area=area,
            rule_id=rule.id, recipient_id=recipient.id, level_area=recipient.area_code,
            body_zh=render(rule.template_zh, values_zh), body_en=render(rule.template_en, values_en),
            urgent=plan.urgent, needs_ack=plan.ack_hours is not None, created_at=now,
            ack_due_at=now + timedelta(hours=plan.ack_hours) if plan.ack_hours else None,
        ))
        if message_id is None:
            continue
        created += 1
        MESSAGES_CREATED.labels(short_name, "routed").inc()
        await deliveries.plan(ctx, uow, message_id, recipient, plan.channels, urgent=plan.urgent)
    log.info("notify.routed", event_type=short_name, event_id=str(event.id), rules=len(rules),
             messages=created)
    return created

