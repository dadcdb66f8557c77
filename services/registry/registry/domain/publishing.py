"""Stage an event of ``registry.household`` in the outbox, keyed by the household."""

from backstop_common.topics import REGISTRY_HOUSEHOLD
from backstop_common.uow import UnitOfWork
from registry.events import EVENTS, HouseholdEvent


def emit(uow: UnitOfWork, event: HouseholdEvent) -> None:
    uow.publish(REGISTRY_HOUSEHOLD, EVENTS[type(event)], subject=event.household_id, data=event,
                area_code=event.village_code)
