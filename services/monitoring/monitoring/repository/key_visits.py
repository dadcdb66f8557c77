"""Queries on key households' visits (重点巡访)."""

import uuid

from sqlalchemy import select
from sqlmodel.ext.asyncio.session import AsyncSession

from monitoring.models import KeyVisit


async def history(session: AsyncSession, household_id: uuid.UUID) -> list[KeyVisit]:
    rows = await session.execute(select(KeyVisit).where(KeyVisit.household_id == household_id)
                                 .order_by(KeyVisit.visited_on))
    return list(rows.scalars())
