"""One handler for every consumed event; the consumer runs it in a transaction with its inbox row.

Registry events first update the household read model (village, paired helpers); then every event
goes through the routing rules (messages) and the webhook subscriptions (queued deliveries).
"""

from backstop_common.consumer import Handler
from backstop_common.envelope import Event
from backstop_common.uow import UnitOfWork
from notifications.context import Context
from notifications.domain import parking, routing, webhooks
from notifications.domain.areas import event_area
from notifications.events import CONSUMED_TYPES, HELPER_ASSIGNED, HOUSEHOLD_REGISTERED, HOUSEHOLD_UPDATED
from notifications.models import HouseholdFacts
from notifications.repository import recipients


async def update_household_facts(uow: UnitOfWork, event: Event, now) -> None:
    data = event.data
    household_id = str(data.get("household_id") or event.subject)
    if event.type == HOUSEHOLD_REGISTERED:
        await recipients.put_household(uow.session, household_id, data.get("village_code") or event.area_code,
                                       [u for u in data.get("helper_user_ids") or [] if u], now)
        return
    facts = await recipients.household(uow.session, household_id)
    if facts is None:
        facts = HouseholdFacts(household_id=household_id, village_code=data.get("village_code") or event.area_code,
                               helper_user_ids=[])
        uow.session.add(facts)
    if event.type == HELPER_ASSIGNED and data.get("helper_user_id"):
        facts.helper_user_ids = list(dict.fromkeys([*facts.helper_user_ids, data["helper_user_id"]]))
    if event.type == HOUSEHOLD_UPDATED and data.get("village_code"):
        facts.village_code = data["village_code"]
    facts.updated_at = now
    await uow.session.flush()


def build_handlers(ctx: Context) -> dict[str, Handler]:
    async def on_event(event: Event, uow: UnitOfWork) -> None:
        short_name = CONSUMED_TYPES[event.type]
        if event.type in (HOUSEHOLD_REGISTERED, HELPER_ASSIGNED, HOUSEHOLD_UPDATED):
            await update_household_facts(uow, event, uow.clock.now())
        await routing.route(ctx, uow, event, short_name)
        if event.type in (HOUSEHOLD_REGISTERED, HELPER_ASSIGNED):
            for parked in await parking.take(uow, str(event.data.get("household_id") or event.subject)):
                await routing.route(ctx, uow, parked, CONSUMED_TYPES[parked.type])
        await webhooks.enqueue(uow.session, event, short_name, event_area(event), uow.clock.now())

    return {full_type: on_event for full_type in CONSUMED_TYPES}
