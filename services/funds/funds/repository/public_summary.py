"""The figures of 资金公开 for one area: allocations by source, public projects, subsidies paid."""

from decimal import Decimal

from sqlalchemy import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backstop_common.auth import area_prefix
from funds.models import Allocation, Project, Subsidy


def _within(area_code: str) -> str:
    return area_prefix(area_code) + "%"


async def allocations_by_source(session: AsyncSession, area_code: str) -> list[tuple[str, Decimal, Decimal | None]]:
    """(source, allocated, spent) of the allocations in the area, by source."""
    rows = await session.execute(
        select(Allocation.source, func.sum(Allocation.amount), func.sum(Allocation.spent))
        .where(Allocation.area_code.like(_within(area_code))).group_by(Allocation.source).order_by(Allocation.source))
    return [tuple(row) for row in rows.all()]


async def projects_at(session: AsyncSession, area_code: str, stages: list[str]) -> list[Project]:
    query = (select(Project).where(Project.area_code.like(_within(area_code)), Project.stage.in_(stages))
             .order_by(Project.area_code, Project.name))
    return list((await session.execute(query)).scalars())


async def newest_subsidies(session: AsyncSession, area_code: str, limit: int) -> list[Subsidy]:
    query = (select(Subsidy).where(Subsidy.village_code.like(_within(area_code)))
             .order_by(Subsidy.paid_on.desc(), Subsidy.id).limit(limit))
    return list((await session.execute(query)).scalars())


async def subsidy_totals(session: AsyncSession, area_code: str) -> tuple[int, Decimal]:
    """How many subsidies the area was paid, and how much in all."""
    totals = await session.execute(select(func.count(), func.coalesce(func.sum(Subsidy.amount), 0))
                                   .where(Subsidy.village_code.like(_within(area_code))))
    count, paid = totals.one()
    return count, paid
