"""Events that named a household's helpers before the household was known: park, then route again."""

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert

from backstop_common.envelope import Event
from backstop_common.uow import UnitOfWork
from notifications.models import ParkedEvent

KEEP = timedelta(days=30)


async def park(uow: UnitOfWork, event: Event, household_id: str, now: datetime) -> None:
    await uow.session.execute(insert(ParkedEvent.__table__).values(
        event_id=event.id, household_id=household_id, type=event.type, source=event.source,
        subject=event.subject, area_code=event.area_code, time=event.time, data=event.data, parked_at=now,
    ).on_conflict_do_nothing())


async def take(uow: UnitOfWork, household_id: str) -> list[Event]:
    """The household's parked events, removed from the parking in the same transaction."""
    rows = (await uow.session.execute(select(ParkedEvent).where(ParkedEvent.household_id == household_id)
                                      .order_by(ParkedEvent.time).with_for_update())).scalars().all()
    events = [Event(id=r.event_id, type=r.type, source=r.source, subject=r.subject, data=r.data,
                    area_code=r.area_code, time=r.time) for r in rows]
    for row in rows:
        await uow.session.delete(row)
    return events


async def drop_stale(uow: UnitOfWork, now: datetime) -> None:
    """A household the registry never sends: its parked events are dropped after ``KEEP``."""
    await uow.session.execute(delete(ParkedEvent).where(ParkedEvent.parked_at < now - KEEP))
