"""Every monitoring query."""

import uuid

from sqlalchemy.dialects.postgresql import insert
from sqlmodel.ext.asyncio.session import AsyncSession

from monitoring.models import HouseholdFacts


async def upsert_household(session: AsyncSession, household_id: uuid.UUID, village_code: str) -> None:
    stmt = insert(HouseholdFacts).values(household_id=household_id, village_code=village_code)
    await session.execute(stmt.on_conflict_do_update(
        index_elements=[HouseholdFacts.household_id], set_={"village_code": village_code}))
