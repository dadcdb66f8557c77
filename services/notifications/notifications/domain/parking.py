"""Events that named a household's helpers before the household was known: park, then route again."""

from datetime import datetime, timedelta

from backstop_common.envelope import Event
from backstop_common.uow import UnitOfWork
from notifications.repository import parking as repo

KEEP = timedelta(days=30)


async def park(uow: UnitOfWork, event: Event, household_id: str, now: datetime) -> None:
    await repo.park(uow.session, event, household_id, now)


async def take(uow: UnitOfWork, household_ids: list[str]) -> dict[str, list[Event]]:
    """The households' parked events (each household's in the order they happened), removed from the parking in
    the same transaction."""
    return {household: [Event(id=r.event_id, type=r.type, source=r.source, subject=r.subject, data=r.data,
                              area_code=r.area_code, time=r.time) for r in rows]
            for household, rows in (await repo.take(uow.session, household_ids)).items()}


async def drop_stale(uow: UnitOfWork) -> None:
    """A household the registry never sends: its parked events are dropped after ``KEEP``."""
    await repo.drop_parked_before(uow.session, uow.clock.now() - KEEP)
