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


def emitted_rows(uow: UnitOfWork, events: list[HouseholdEvent], correlations: list[str | None] | None = None) -> dict:
    """``emit_all`` for a repository that inserts the outbox rows itself (``uow.publish_rows``); ``correlations``:
    each event's request, where one transaction writes for several."""
    return uow.publish_rows(REGISTRY_HOUSEHOLD, [(EVENTS[type(e)], e.household_id, e, e.village_code) for e in events],
                            correlations)


async def emit_all(uow: UnitOfWork, events: list[HouseholdEvent]) -> None:
    """``emit`` for many events in one statement (a batch's), in their order."""
    await uow.publish_all(REGISTRY_HOUSEHOLD, [(EVENTS[type(e)], e.household_id, e, e.village_code) for e in events])
