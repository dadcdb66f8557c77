"""Queries on households: fetch, lock, the export's rows (the list is in repository/files.py)."""

import uuid

from sqlalchemy import exists, select
from sqlmodel.ext.asyncio.session import AsyncSession

from registry.models import Household, Member
from registry.repository.filters import HouseholdFilter, conditions, parameters


async def get_household(session: AsyncSession, household_id: uuid.UUID, *, lock: bool = False
                        ) -> Household | None:
    return await session.get(Household, household_id, with_for_update=lock or None)


async def number_taken(session: AsyncSession, household_number: str) -> bool:
    query = select(exists().where(Household.household_number == household_number))
    return (await session.execute(query)).scalar_one()


async def export_rows(session: AsyncSession, f: HouseholdFilter, limit: int):
    """Every current member of the filtered households, household fields beside (for XLSX export)."""
    query = (select(Household, Member).join(Member, Member.household_id == Household.id)
             .where(*conditions(f.shape()), Member.removed_on.is_(None))
             .order_by(Household.village_code, Household.household_number, Household.id,
                       Member.is_head.desc(), Member.birth_date).limit(limit))
    result = await session.stream(query.execution_options(yield_per=2000), parameters(f))
    async for household, member in result:
        yield household, member
