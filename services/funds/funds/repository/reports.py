"""The sums behind 支出进度: allocations by source and area, money by project type and subsidy kind, returns.

Every sum is of the allocations the caller's area sees, narrowed to ``area_code`` and ``year`` when given."""

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, literal, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backstop_common.auth import Principal, area_prefix
from funds.models import Allocation, Disbursement, MoneyReturn, Project, ProjectFunding, Subsidy

LEVEL_DIGITS = {"county": 6, "township": 9}
SUMS = (func.sum(Allocation.amount), func.sum(Allocation.committed), func.sum(Allocation.spent))


@dataclass
class Scope:
    principal: Principal
    area_code: str | None = None
    year: int | None = None

    def apply(self, query):
        query = query.where(Allocation.area_code.like(self.principal.scope + "%"))
        if self.area_code:
            query = query.where(Allocation.area_code.like(area_prefix(self.area_code) + "%"))
        if self.year:
            query = query.where(Allocation.year == self.year)
        return query


def area_key(level: str):
    """The allocation's area, or the county/township it lies in (``level``), as a 12-digit code."""
    if level not in LEVEL_DIGITS:
        return Allocation.area_code
    return func.rpad(func.substr(Allocation.area_code, 1, LEVEL_DIGITS[level]), 12, "0")


async def _grouped(session: AsyncSession, scope: Scope, column) -> list[tuple]:
    """(key, allocated, committed, spent) for each value of ``column``, by key."""
    column = column.label("key")
    rows = await session.execute(scope.apply(select(column, *SUMS)).group_by("key").order_by("key"))
    return [tuple(row) for row in rows.all()]


async def by_source(session: AsyncSession, scope: Scope) -> list[tuple]:
    return await _grouped(session, scope, Allocation.source)


async def by_area(session: AsyncSession, scope: Scope, level: str) -> list[tuple]:
    return await _grouped(session, scope, area_key(level))


async def totals(session: AsyncSession, scope: Scope) -> tuple:
    """(allocated, committed, spent) of every allocation in scope (None when there is none)."""
    return tuple((await session.execute(scope.apply(select(*SUMS)))).one())


async def committed_by_type(session: AsyncSession, scope: Scope) -> dict[str, Decimal]:
    return dict((await session.execute(scope.apply(
        select(Project.project_type, func.sum(ProjectFunding.committed))
        .join(ProjectFunding, ProjectFunding.project_id == Project.id)
        .join(Allocation, Allocation.id == ProjectFunding.allocation_id)).group_by(Project.project_type))).all())


async def disbursed_by_type(session: AsyncSession, scope: Scope) -> dict[str, Decimal]:
    return dict((await session.execute(scope.apply(
        select(Project.project_type, func.sum(Disbursement.amount))
        .join(Disbursement, Disbursement.project_id == Project.id)
        .join(Allocation, Allocation.id == Disbursement.allocation_id)).group_by(Project.project_type))).all())


async def subsidised_by_kind(session: AsyncSession, scope: Scope) -> dict[str, Decimal]:
    """Subsidies paid, keyed ``subsidy:<kind>`` as in ``by_project_type``."""
    return dict((await session.execute(scope.apply(
        select(literal("subsidy:") + Subsidy.kind, func.sum(Subsidy.amount))
        .join(Allocation, Allocation.id == Subsidy.allocation_id)).group_by(Subsidy.kind))).all())


async def returned_by_type(session: AsyncSession, scope: Scope) -> dict[str, Decimal]:
    """退回 by the key of ``by_project_type``: the project's type, or ``subsidy:<kind>``."""
    key = func.coalesce(Project.project_type, literal("subsidy:") + Subsidy.kind).label("key")
    rows = await session.execute(scope.apply(
        select(key, func.sum(MoneyReturn.amount)).join(Allocation, Allocation.id == MoneyReturn.allocation_id)
        .outerjoin(Project, Project.id == MoneyReturn.project_id)
        .outerjoin(Subsidy, Subsidy.id == MoneyReturn.subsidy_id)).group_by("key"))
    return {k: Decimal(v) for k, v in rows.all()}
