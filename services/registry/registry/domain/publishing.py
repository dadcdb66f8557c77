"""Stage an event of ``registry.household`` in the outbox, keyed by the household."""

from backstop_common.topics import REGISTRY_HOUSEHOLD
from backstop_common.uow import UnitOfWork
from registry.events import EVENTS, HouseholdEvent


def emit(uow: UnitOfWork, event: HouseholdEvent) -> None:
    uow.publish(REGISTRY_HOUSEHOLD, EVENTS[type(event)], subject=event.household_id, data=event,
                area_code=event.village_code)


def emitted_row(uow: UnitOfWork, event: HouseholdEvent) -> dict:
    """``emit`` for a write whose repository statement inserts the outbox row itself (``uow.publish_row``)."""
    return uow.publish_row(REGISTRY_HOUSEHOLD, EVENTS[type(event)], subject=event.household_id, data=event,
                           area_code=event.village_code)
