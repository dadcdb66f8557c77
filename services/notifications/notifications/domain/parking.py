"""Events that named a household's helpers before the household was known: park, then route again."""

from datetime import datetime, timedelta

from backstop_common.envelope import Event
from backstop_common.uow import UnitOfWork
from notifications.repository import parking as repo

KEEP = timedelta(days=30)


async def park(uow: UnitOfWork, event: Event, household_id: str, now: datetime) -> None:
    await repo.park(uow.session, event, household_id, now)


async def take(uow: UnitOfWork, household_id: str) -> list[Event]:
    """The household's parked events, removed from the parking in the same transaction."""
    return [Event(id=r.event_id, type=r.type, source=r.source, subject=r.subject, data=r.data,
                  area_code=r.area_code, time=r.time) for r in await repo.take(uow.session, household_id)]


async def drop_stale(uow: UnitOfWork) -> None:
    """A household the registry never sends: its parked events are dropped after ``KEEP``."""
    await repo.drop_parked_before(uow.session, uow.clock.now() - KEEP)
