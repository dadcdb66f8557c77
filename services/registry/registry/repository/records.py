"""Queries on a household's records (the file itself is read in one statement: repository/files.py)."""

import uuid

from sqlalchemy import select
from sqlmodel.ext.asyncio.session import AsyncSession

from registry.models import IncomeAssessment


async def latest_income(session: AsyncSession, household_id: uuid.UUID) -> IncomeAssessment | None:
    query = (select(IncomeAssessment).where(IncomeAssessment.household_id == household_id)
             .order_by(IncomeAssessment.year.desc(), IncomeAssessment.created_at.desc()).limit(1))
    return (await session.execute(query)).scalars().first()
