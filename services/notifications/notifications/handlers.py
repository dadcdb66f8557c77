"""One handler for each consumed event type, handed its payload parsed (``backstop_events``); the consumer
runs it in a transaction with its inbox row.

Registry events first update the household read model (village, paired helpers) from their models; then
every event goes through the routing rules (messages) and the webhook subscriptions (queued deliveries).
Those two read the event's data as it came on the wire, on purpose: a rule's conditions and templates
name the published JSON fields, and a subscriber receives the event as published (docs/notifications.md).
"""

import uuid
from datetime import datetime

from backstop_common.consumer import Handler
from backstop_common.envelope import Event
from backstop_common.uow import UnitOfWork
from backstop_events.registry import HelperAssigned, HouseholdRegistered, HouseholdUpdated
from notifications.context import Context
from notifications.domain import parking, routing, webhooks
from notifications.domain.areas import event_area
from notifications.events import CONSUMED_TYPES, HELPER_ASSIGNED, HOUSEHOLD_REGISTERED, HOUSEHOLD_UPDATED
from notifications.models import HouseholdFacts
from notifications.repository import recipients


async def _facts(uow: UnitOfWork, household_id: uuid.UUID, village_code: str) -> HouseholdFacts:
    facts = await recipients.household(uow.session, str(household_id))
    if facts is None:
        facts = HouseholdFacts(household_id=str(household_id), village_code=village_code, helper_user_ids=[])
        uow.session.add(facts)
    return facts


async def _helper_assigned(uow: UnitOfWork, data: HelperAssigned, now: datetime) -> None:
    facts = await _facts(uow, data.household_id, data.village_code)
    if data.helper_user_id:
        facts.helper_user_ids = list(dict.fromkeys([*facts.helper_user_ids, data.helper_user_id]))
    facts.updated_at = now
    await uow.session.flush()


async def _updated(uow: UnitOfWork, data: HouseholdUpdated, now: datetime) -> None:
    facts = await _facts(uow, data.household_id, data.village_code)
    facts.village_code = data.village_code
    facts.updated_at = now
    await uow.session.flush()


def build_handlers(ctx: Context) -> dict[str, Handler]:
    async def deliver(event: Event, uow: UnitOfWork, *, unpark: uuid.UUID | None = None) -> None:
        """The routing rules and the webhooks; ``unpark``: then route what waited for this household."""
        short_name = CONSUMED_TYPES[event.type]
        await routing.route(ctx, uow, event, short_name)
        if unpark is not None:
            for parked in await parking.take(uow, str(unpark)):
                await routing.route(ctx, uow, parked, CONSUMED_TYPES[parked.type])
        await webhooks.enqueue(uow.session, event, short_name, event_area(event), uow.clock.now())

    async def on_household_registered(event: Event, data: HouseholdRegistered, uow: UnitOfWork) -> None:
        """建档: the household's village and paired helpers; what was parked for its helpers goes now."""
        await recipients.put_household(uow.session, str(data.household_id), data.village_code,
                                       [u for u in data.helper_user_ids if u], uow.clock.now())
        await deliver(event, uow, unpark=data.household_id)

    async def on_helper_assigned(event: Event, data: HelperAssigned, uow: UnitOfWork) -> None:
        """帮扶责任人: one more helper to tell; what was parked for the household's helpers goes now."""
        await _helper_assigned(uow, data, uow.clock.now())
        await deliver(event, uow, unpark=data.household_id)

    async def on_household_updated(event: Event, data: HouseholdUpdated, uow: UnitOfWork) -> None:
        """The household's village may have changed."""
        await _updated(uow, data, uow.clock.now())
        await deliver(event, uow)

    async def on_event(event: Event, data, uow: UnitOfWork) -> None:
        """Every other event: the routing rules and the webhooks (its payload was checked by its model)."""
        await deliver(event, uow)

    own = {HOUSEHOLD_REGISTERED: on_household_registered, HELPER_ASSIGNED: on_helper_assigned,
           HOUSEHOLD_UPDATED: on_household_updated}
    return {full_type: own.get(full_type, on_event) for full_type in CONSUMED_TYPES}
