"""支出进度 (execution) by source, area and project type, adding up to the ledger to the fen."""

from decimal import Decimal

from sqlalchemy import func, literal, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backstop_common.auth import Principal, area_prefix
from funds.models import Allocation, Disbursement, MoneyReturn, Project, ProjectFunding, Subsidy

ZERO = Decimal("0.00")


def rate(spent: Decimal, base: Decimal | None) -> Decimal | None:
    """Spent as a percentage of ``base``, two places."""
    return (spent * 100 / base).quantize(Decimal("0.01")) if base else None


def _row(key: str, allocated, committed, spent) -> dict:
    allocated = Decimal(allocated) if allocated is not None else None
    committed, spent = Decimal(committed or 0), Decimal(spent or 0)
    return {"key": key, "allocated": allocated, "committed": committed, "spent": spent,
            "execution_rate": rate(spent, allocated if allocated is not None else committed)}


def _scope(query, principal: Principal, area_code: str | None, year: int | None):
    query = query.where(Allocation.area_code.like(principal.scope + "%"))
    if area_code:
        query = query.where(Allocation.area_code.like(area_prefix(area_code) + "%"))
    if year:
        query = query.where(Allocation.year == year)
    return query


LEVEL_DIGITS = {"county": 6, "township": 9}


def area_key(level: str):
    """The allocation's area, or the county/township it lies in (``level``), as a 12-digit code."""
    if level not in LEVEL_DIGITS:
        return Allocation.area_code
    return func.rpad(func.substr(Allocation.area_code, 1, LEVEL_DIGITS[level]), 12, "0")


async def execution(session: AsyncSession, principal: Principal, *, area_code: str | None = None,
                    year: int | None = None, level: str = "own") -> dict:
    sums = (func.sum(Allocation.amount), func.sum(Allocation.committed), func.sum(Allocation.spent))

    async def grouped(column) -> list[dict]:
        column = column.label("key")
        rows = await session.execute(_scope(select(column, *sums), principal, area_code, year)
                                     .group_by("key").order_by("key"))
        return [_row(key, *values) for key, *values in rows.all()]

    by_source, by_area = await grouped(Allocation.source), await grouped(area_key(level))
    total = (await session.execute(_scope(select(*sums), principal, area_code, year))).one()
    committed_by_type = dict((await session.execute(_scope(
        select(Project.project_type, func.sum(ProjectFunding.committed))
        .join(ProjectFunding, ProjectFunding.project_id == Project.id)
        .join(Allocation, Allocation.id == ProjectFunding.allocation_id), principal, area_code, year)
        .group_by(Project.project_type))).all())
    spent_by_type = dict((await session.execute(_scope(
        select(Project.project_type, func.sum(Disbursement.amount))
        .join(Disbursement, Disbursement.project_id == Project.id)
        .join(Allocation, Allocation.id == Disbursement.allocation_id), principal, area_code, year)
        .group_by(Project.project_type))).all())
    subsidies = dict((await session.execute(_scope(
        select(literal("subsidy:") + Subsidy.kind, func.sum(Subsidy.amount))
        .join(Allocation, Allocation.id == Subsidy.allocation_id), principal, area_code, year)
        .group_by(Subsidy.kind))).all())
    returned = await _returns_by_type(session, principal, area_code, year)
    spent_by_type = {k: v - returned.get(k, ZERO) for k, v in spent_by_type.items()}
    subsidies = {k: v - returned.get(k, ZERO) for k, v in subsidies.items()}
    by_type = [_row(k, None, committed_by_type.get(k), spent_by_type.get(k))
               for k in sorted(set(committed_by_type) | set(spent_by_type))]
    by_type += [_row(k, None, v, v) for k, v in sorted(subsidies.items())]
    returns = sum(returned.values(), ZERO)
    disbursed = sum(spent_by_type.values(), ZERO) + sum(v for k, v in returned.items() if k in spent_by_type)
    subsidised = sum(subsidies.values(), ZERO) + sum(v for k, v in returned.items() if k in subsidies)
    return {"year": year, "area_code": area_code, "level": level, "totals": _row("total", total[0] or ZERO, total[1], total[2]),
            "by_source": by_source, "by_area": by_area, "by_project_type": by_type,
            "ledger": {"disbursements": disbursed, "subsidies": subsidised, "returns": returns,
                       "spent": disbursed + subsidised - returns}}


async def _returns_by_type(session: AsyncSession, principal: Principal, area_code: str | None,
                           year: int | None) -> dict[str, Decimal]:
    """退回 by the key of ``by_project_type``: the project's type, or ``subsidy:<kind>``."""
    key = func.coalesce(Project.project_type, literal("subsidy:") + Subsidy.kind).label("key")
    rows = await session.execute(_scope(
        select(key, func.sum(MoneyReturn.amount)).join(Allocation, Allocation.id == MoneyReturn.allocation_id)
        .outerjoin(Project, Project.id == MoneyReturn.project_id)
        .outerjoin(Subsidy, Subsidy.id == MoneyReturn.subsidy_id), principal, area_code, year).group_by("key"))
    return {k: Decimal(v) for k, v in rows.all()}


XLSX_HEADERS = ["dimension", "key", "allocated", "committed", "spent", "execution_rate_%"]


def execution_rows(report: dict):
    for dimension in ("by_source", "by_area", "by_project_type"):
        for row in report[dimension]:
            yield [dimension, row["key"], row["allocated"], row["committed"], row["spent"], row["execution_rate"]]
    t = report["totals"]
    yield ["totals", "total", t["allocated"], t["committed"], t["spent"], t["execution_rate"]]
