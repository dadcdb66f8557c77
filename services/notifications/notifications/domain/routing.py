"""An event in, one message per recipient out (exactly once, however often the event comes again)."""

import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

import structlog
from backstop_common.auth import READ_ONLY_ROLES
from backstop_common.envelope import Event
from backstop_common.uow import UnitOfWork

from notifications.context import Context
from notifications.domain import deliveries, parking, targets
from notifications.domain.areas import event_area
from notifications.domain.conditions import all_hold, named, render
from notifications.domain.labels import labelled_in_both
from notifications.metrics import MESSAGES_CREATED
from notifications.models import Recipient, RoutingRule
from notifications.repository import messages as messages_repo

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
    return await route_all(ctx, uow, [(event, short_name)])


async def _plans(uow: UnitOfWork, event: Event, short_name: str, area: str | None,
                 lookups: targets.Lookups) -> dict[uuid.UUID, Plan]:
    """Who gets this event under which rule (one plan per recipient); parks it when its helpers are unknown yet."""
    rules = await lookups.rules(short_name, area, order=precedence)
    chosen: dict[uuid.UUID, Plan] = {}
    wants_helpers = False
    for rule in rules:
        if not all_hold(rule.conditions, event.data):
            continue
        wants_helpers = wants_helpers or any(t.get("kind") == "helpers" for t in rule.targets)
        for target in rule.targets:
            for recipient in await targets.resolve(lookups, target, event, area):
                chosen.setdefault(recipient.id, Plan(recipient, rule)).add(rule)
    household_id = event.data.get("household_id")
    if wants_helpers and household_id and await lookups.household(str(household_id)) is None:
        await parking.park(uow, event, str(household_id), uow.clock.now())
    return chosen


def _labels(event: Event, short_name: str, area: str | None, plans: list[Plan]) -> tuple[dict, dict]:
    """The values the plans' templates name, coded ones labelled, in Chinese and English (only those: a
    registration's data holds its members and some twenty fields, its template one)."""
    values = {**event.data, "event_type": short_name, "area_code": area, "subject": event.subject}
    wanted = set().union(*(named(p.rule.template_zh) | named(p.rule.template_en) for p in plans))
    return labelled_in_both(short_name, {field: values[field] for field in wanted if field in values})


def _message(event: Event, short_name: str, area: str | None, labels: tuple[dict, dict], plan: Plan, now) -> dict:
    """The message row of one plan, its text rendered in both languages from the event's labelled values."""
    rule, recipient = plan.rule, plan.recipient
    if recipient.role in READ_ONLY_ROLES:  # an auditor cannot acknowledge (POST is refused): inform only
        plan.ack_hours = None
    return dict(
        event_id=event.id, event_type=short_name, event_subject=event.subject, event_area=area,
        rule_id=rule.id, recipient_id=recipient.id, level_area=recipient.area_code,
        body_zh=render(rule.template_zh, labels[0]), body_en=render(rule.template_en, labels[1]),
        urgent=plan.urgent, needs_ack=plan.ack_hours is not None, created_at=now,
        ack_due_at=now + timedelta(hours=plan.ack_hours) if plan.ack_hours else None,
    )


async def route_all(ctx: Context, uow: UnitOfWork, events: list[tuple[Event, str]]) -> int:
    """Apply the routing rules to events in their order (a consumer's batch); returns how many messages were
    created. Rules and recipients are read once per batch, the messages go in one insert and their deliveries
    in another — the same rows as routing the events one by one (``route``)."""
    lookups = targets.Lookups.of(uow.session)
    await lookups.read_households([str(e.data["household_id"]) for e, _ in events if e.data.get("household_id")])
    now = uow.clock.now()
    rows, plans = [], {}
    for event, short_name in events:
        area = event_area(event)
        chosen = [p for p in (await _plans(uow, event, short_name, area, lookups)).values()
                  if (event.id, p.recipient.id) not in plans]  # the same event twice in one batch: once
        if not chosen:  # no rule sends it to anyone: nothing to render
            continue
        labels = _labels(event, short_name, area, chosen)
        for plan in chosen:
            plans[event.id, plan.recipient.id] = plan
            rows.append(_message(event, short_name, area, labels, plan, now))
    created = await messages_repo.insert_new(uow.session, rows)
    outgoing, routed = [], Counter()
    for row in rows:  # in the events' order: a recipient's SMS past the day's threshold is held as one by one
        key = row["event_id"], row["recipient_id"]
        if key in created:
            routed[row["event_type"]] += 1
            outgoing.append(deliveries.Outgoing(created[key], plans[key].recipient, plans[key].channels,
                                                plans[key].urgent))
    for event_type, count in routed.items():  # counted once a type, not a labels lookup a message
        MESSAGES_CREATED.labels(event_type, "routed").inc(count)
    await deliveries.plan_all(ctx, uow, outgoing)
    log.info("notify.routed", events=len(events), event_ids=[str(e.id) for e, _ in events[:20]],
             messages=len(created))
    return len(created)
