"""The facts of the five-items report: a village's 建档立卡 and monitored households, and the money that
reached each in a year (subsidies, projects it benefits from, dividends)."""

import uuid
from decimal import Decimal

from sqlalchemy import func, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from funds.models import Beneficiary, Dividend, HouseholdFact, Project, Subsidy

#: the households the five items are kept for: 建档立卡 (poor or lifted) and monitored ones
FILED_STATUSES = ("poor", "lifted")


async def village_households(session: AsyncSession, village_code: str) -> list[HouseholdFact]:
    query = (select(HouseholdFact).where(HouseholdFact.village_code == village_code, HouseholdFact.registered,
                                         or_(HouseholdFact.poverty_status.in_(FILED_STATUSES),
                                             HouseholdFact.monitored))
             .order_by(HouseholdFact.id))
    return list((await session.execute(query)).scalars())


async def subsidies_by_household(session: AsyncSession, village_code: str, year: int) -> dict[uuid.UUID, Decimal]:
    rows = await session.execute(select(Subsidy.household_id, func.sum(Subsidy.amount))
                                 .where(Subsidy.village_code == village_code, Subsidy.year == year)
                                 .group_by(Subsidy.household_id))
    return dict(rows.all())


async def projects_by_household(session: AsyncSession, household_ids: list[uuid.UUID],
                                year: int) -> dict[uuid.UUID, int]:
    """Projects of the year each household benefits from (联农带农), or was paid a dividend by that year."""
    benefits = (select(Beneficiary.household_id, Beneficiary.project_id).join(Project, Project.id == Beneficiary.project_id)
                .where(Beneficiary.household_id.in_(household_ids), Project.year == year))
    dividends = select(Dividend.household_id, Dividend.project_id).where(
        Dividend.household_id.in_(household_ids), Dividend.year == year)
    both = benefits.union(dividends).subquery()
    rows = await session.execute(select(both.c.household_id, func.count(func.distinct(both.c.project_id)))
                                 .group_by(both.c.household_id))
    return dict(rows.all())
