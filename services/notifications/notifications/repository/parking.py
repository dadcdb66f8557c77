"""Queries on parked events (events that named a household's helpers before the household was known)."""

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlmodel.ext.asyncio.session import AsyncSession

from backstop_common.envelope import Event
from notifications.models import ParkedEvent


async def park(session: AsyncSession, event: Event, household_id: str, now: datetime) -> None:
    """Keep the event once, however often it is parked."""
    await session.execute(insert(ParkedEvent.__table__).values(
        event_id=event.id, household_id=household_id, type=event.type, source=event.source,
        subject=event.subject, area_code=event.area_code, time=event.time, data=event.data, parked_at=now,
    ).on_conflict_do_nothing())


async def take(session: AsyncSession, household_id: str) -> list[ParkedEvent]:
    """The household's parked events in the order they happened, removed in this transaction."""
    rows = (await session.execute(select(ParkedEvent).where(ParkedEvent.household_id == household_id)
                                  .order_by(ParkedEvent.time).with_for_update())).scalars().all()
    for row in rows:
        await session.delete(row)
    return list(rows)


async def drop_parked_before(session: AsyncSession, moment: datetime) -> None:
    await session.execute(delete(ParkedEvent).where(ParkedEvent.parked_at < moment))
