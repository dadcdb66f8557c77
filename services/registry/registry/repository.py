"""Every registry query."""

import uuid

from sqlmodel.ext.asyncio.session import AsyncSession

from registry.models import Household


async def get_household(session: AsyncSession, household_id: uuid.UUID) -> Household | None:
    return await session.get(Household, household_id)
