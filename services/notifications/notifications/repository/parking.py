"""Queries on parked events (events that named a household's helpers before the household was known)."""

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert
from sqlmodel.ext.asyncio.session import AsyncSession

from backstop_common import bulk
from backstop_common.envelope import Event
from notifications.models import ParkedEvent


async def park(session: AsyncSession, event: Event, household_id: str, now: datetime) -> None:
    """Keep the event once, however often it is parked."""
    await session.execute(insert(ParkedEvent.__table__).values(
        event_id=event.id, household_id=household_id, type=event.type, source=event.source,
        subject=event.subject, area_code=event.area_code, time=event.time, data=event.data, parked_at=now,
    ).on_conflict_do_nothing())


async def take(session: AsyncSession, household_ids: list[str]) -> dict[str, list]:
    """The households' parked events, each household's in the order they happened, removed in this transaction
    (one statement for them all)."""
    if not household_ids:
        return {}
    rows = (await session.execute(_TAKE, {"ids": household_ids})).all()
    taken: dict[str, list] = {}
    for row in sorted(rows, key=lambda r: r.time):
        taken.setdefault(row.household_id, []).append(row)
    return taken


_table = ParkedEvent.__table__
#: the ids as one array parameter (``bulk.among``)
_TAKE = delete(_table).where(bulk.among(_table.c.household_id)).returning(*_table.c)


async def drop_parked_before(session: AsyncSession, moment: datetime) -> None:
    await session.execute(delete(ParkedEvent).where(ParkedEvent.parked_at < moment))
