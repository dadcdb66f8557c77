"""Queries on a household's records: assessments, disasters, helpers, measures."""

import uuid

from sqlalchemy import select
from sqlmodel.ext.asyncio.session import AsyncSession

from registry.models import (
    Disaster, Helper, HousingAssessment, IncomeAssessment, Measure, WaterAssessment,
)


async def _of(session: AsyncSession, model, household_id: uuid.UUID, *order) -> list:
    query = select(model).where(model.household_id == household_id).order_by(*order)
    return list((await session.execute(query)).scalars().all())


async def income_assessments(session: AsyncSession, household_id: uuid.UUID) -> list[IncomeAssessment]:
    return await _of(session, IncomeAssessment, household_id,
                     IncomeAssessment.year.desc(), IncomeAssessment.created_at.desc())


async def latest_income(session: AsyncSession, household_id: uuid.UUID) -> IncomeAssessment | None:
    items = await income_assessments(session, household_id)
    return items[0] if items else None


async def housing_assessments(session: AsyncSession, household_id: uuid.UUID) -> list[HousingAssessment]:
    return await _of(session, HousingAssessment, household_id,
                     HousingAssessment.assessed_on.desc(), HousingAssessment.created_at.desc())


async def water_assessments(session: AsyncSession, household_id: uuid.UUID) -> list[WaterAssessment]:
    return await _of(session, WaterAssessment, household_id,
                     WaterAssessment.assessed_on.desc(), WaterAssessment.created_at.desc())


async def disasters(session: AsyncSession, household_id: uuid.UUID) -> list[Disaster]:
    return await _of(session, Disaster, household_id, Disaster.occurred_on.desc())


async def helpers(session: AsyncSession, household_id: uuid.UUID) -> list[Helper]:
    return await _of(session, Helper, household_id, Helper.assigned_on, Helper.created_at)


async def measures(session: AsyncSession, household_id: uuid.UUID) -> list[Measure]:
    return await _of(session, Measure, household_id, Measure.given_on.desc(), Measure.created_at.desc())
