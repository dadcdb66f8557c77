"""Queries on households: fetch, lock (the list is in repository/files.py, the export in repository/exports.py)."""

import uuid

from sqlalchemy import exists, select
from sqlmodel.ext.asyncio.session import AsyncSession

from registry.models import Household


async def get_household(session: AsyncSession, household_id: uuid.UUID, *, lock: bool = False
                        ) -> Household | None:
    return await session.get(Household, household_id, with_for_update=lock or None)


async def number_taken(session: AsyncSession, household_number: str) -> bool:
    query = select(exists().where(Household.household_number == household_number))
    return (await session.execute(query)).scalar_one()
