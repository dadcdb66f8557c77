"""Queries on the change history and the access log."""

import uuid

from sqlalchemy import func, insert, select
from sqlmodel.ext.asyncio.session import AsyncSession

from registry.models import AccessLogEntry, ChangeRecord

#: what an access-log row says was read unmasked
IDENTIFIER_FIELDS = "id_number,phone"


async def history(session: AsyncSession, household_id: uuid.UUID, limit: int, offset: int
                  ) -> tuple[list[ChangeRecord], int]:
    where = ChangeRecord.household_id == household_id
    total = (await session.execute(select(func.count()).where(where))).scalar_one()
    query = select(ChangeRecord).where(where).order_by(ChangeRecord.seq).limit(limit).offset(offset)
    return list((await session.execute(query)).scalars().all()), total


async def log_access(session: AsyncSession, entries: list[dict]) -> None:
    """One statement for any number of reads (a list page logs every household on it)."""
    if entries:
        await session.execute(insert(AccessLogEntry), entries)


async def access_entries(session: AsyncSession, household_id: uuid.UUID) -> list[AccessLogEntry]:
    query = select(AccessLogEntry).where(AccessLogEntry.household_id == household_id)
    return list((await session.execute(query.order_by(AccessLogEntry.seq))).scalars().all())
