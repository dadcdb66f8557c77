"""One handler for each consumed event type, handed its payload parsed (``backstop_events``); the consumer
runs it in a transaction with its inbox row.

Registry events first update the household read model (village, paired helpers) from their models; then
every event goes through the routing rules (messages) and the webhook subscriptions (queued deliveries).
Those two read the event's data as it came on the wire, on purpose: a rule's conditions and templates
name the published JSON fields, and a subscriber receives the event as published (docs/notifications.md).
"""

import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from backstop_common.consumer import Handler
from backstop_common.envelope import Event
from backstop_common.uow import UnitOfWork
from backstop_events.registry import HelperAssigned, HouseholdRegistered, HouseholdUpdated
from notifications.context import Context
from notifications.domain import parking, routing, webhooks
from notifications.domain.targets import Lookups
from notifications.events import CONSUMED_TYPES, HELPER_ASSIGNED, HOUSEHOLD_REGISTERED, HOUSEHOLD_UPDATED
from notifications.models import HouseholdFacts
from notifications.repository import recipients


async def _facts(uow: UnitOfWork, household_id: uuid.UUID, village_code: str) -> HouseholdFacts:
    facts = await recipients.household(uow.session, str(household_id))
    if facts is None:
        facts = HouseholdFacts(household_id=str(household_id), village_code=village_code, helper_user_ids=[])
        uow.session.add(facts)
    return facts


async def _registered(uow: UnitOfWork, data: HouseholdRegistered, now: datetime) -> uuid.UUID:
    """建档: the household's village and paired helpers; what was parked for its helpers goes now."""
    await recipients.put_household(uow.session, str(data.household_id), data.village_code,
                                   [u for u in data.helper_user_ids if u], now)
    return data.household_id


async def _helper_assigned(uow: UnitOfWork, data: HelperAssigned, now: datetime) -> uuid.UUID:
    """帮扶责任人: one more helper to tell; what was parked for the household's helpers goes now."""
    facts = await _facts(uow, data.household_id, data.village_code)
    if data.helper_user_id:
        facts.helper_user_ids = list(dict.fromkeys([*facts.helper_user_ids, data.helper_user_id]))
    facts.updated_at = now
    await uow.session.flush()
    return data.household_id


async def _updated(uow: UnitOfWork, data: HouseholdUpdated, now: datetime) -> None:
    """The household's village may have changed."""
    facts = await _facts(uow, data.household_id, data.village_code)
    facts.village_code = data.village_code
    facts.updated_at = now
    await uow.session.flush()


#: the events that change the household read model first; they return the household whose parked events go now
FactsChange = Callable[[UnitOfWork, Any, datetime], Awaitable[uuid.UUID | None]]
_FACTS: dict[str, FactsChange] = {HOUSEHOLD_REGISTERED: _registered, HELPER_ASSIGNED: _helper_assigned,
                                  HOUSEHOLD_UPDATED: _updated}


def build_batch_handler(ctx: Context) -> Callable[[list[tuple[Event, Any]], UnitOfWork], Awaitable[None]]:
    """A batch of (event, payload) in their order, in one transaction: runs of events that change no read model
    are routed together (rules and recipients read once, messages and deliveries in one insert each); an event
    that changes the household read model is applied in its place, so what follows sees it."""

    async def deliver(uow: UnitOfWork, events: list[Event], parked: list[Event] = ()) -> None:
        """The routing rules (the events, then what was parked) and the webhooks (the events)."""
        if not events:
            return
        named = [(e, CONSUMED_TYPES[e.type]) for e in events]
        await routing.route_all(ctx, uow, [*named, *((p, CONSUMED_TYPES[p.type]) for p in parked)])
        await webhooks.enqueue(uow.session, named, uow.clock.now())

    async def apply_all(items: list[tuple[Event, Any]], uow: UnitOfWork) -> None:
        run: list[Event] = []
        for event, data in items:
            change = _FACTS.get(event.type)
            if change is None:
                run.append(event)
                continue
            await deliver(uow, run)
            run = []
            unpark = await change(uow, data, uow.clock.now())
            Lookups.of(uow.session).forget(str(data.household_id))
            await deliver(uow, [event], await parking.take(uow, str(unpark)) if unpark else [])
        await deliver(uow, run)

    return apply_all


def build_handlers(ctx: Context) -> dict[str, Handler]:
    """One handler for every consumed type: the batch handler on a batch of one."""
    apply_all = build_batch_handler(ctx)

    async def on_event(event: Event, data: Any, uow: UnitOfWork) -> None:
        await apply_all([(event, data)], uow)

    return dict.fromkeys(CONSUMED_TYPES, on_event)
