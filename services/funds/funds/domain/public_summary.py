"""资金公开 (惠民资金网) in figures: what anyone may read without an account — allocations by source, projects from
their public notice on, and subsidies paid by village and kind. No household id, name, ID number,
phone, bank account or health detail: funds holds none of the names, and the ids stay inside."""

from decimal import Decimal

from sqlalchemy import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backstop_common.auth import area_prefix
from funds.domain.notices import PUBLIC_KIND
from funds.enums import STAGE_ORDER, Stage
from funds.models import Allocation, Project, Subsidy

#: a project is public from its 公示 on (申报 and 论证 are internal)
PUBLIC_STAGES = [s.value for s in STAGE_ORDER[STAGE_ORDER.index(Stage.NOTICED):]]
#: the newest payments listed; the totals count them all
SUBSIDY_ROWS = 500


async def summary(session: AsyncSession, area_code: str) -> dict:
    prefix = area_prefix(area_code) + "%"
    by_source = await session.execute(
        select(Allocation.source, func.sum(Allocation.amount), func.sum(Allocation.spent))
        .where(Allocation.area_code.like(prefix)).group_by(Allocation.source).order_by(Allocation.source))
    projects = (await session.execute(
        select(Project).where(Project.area_code.like(prefix), Project.stage.in_(PUBLIC_STAGES))
        .order_by(Project.area_code, Project.name))).scalars()
    subsidies = (await session.execute(
        select(Subsidy).where(Subsidy.village_code.like(prefix))
        .order_by(Subsidy.paid_on.desc(), Subsidy.id).limit(SUBSIDY_ROWS))).scalars()
    totals = await session.execute(select(func.count(), func.coalesce(func.sum(Subsidy.amount), 0))
                                   .where(Subsidy.village_code.like(prefix)))
    count, paid = totals.one()
    return {
        "area_code": area_code,
        "allocations": [{"source": s, "amount": a, "spent": sp or Decimal("0.00")} for s, a, sp in by_source.all()],
        "projects": [{"name": p.name, "project_type": p.project_type, "area_code": p.area_code, "year": p.year,
                      "budget": p.budget, "stage": p.stage, "notice_ends_at": p.notice_ends_at,
                      "deadline": p.deadline} for p in projects],
        "subsidies": [{"village_code": s.village_code, "kind": PUBLIC_KIND[s.kind], "period": s.period,
                       "amount": s.amount, "paid_on": s.paid_on} for s in subsidies],
        "subsidies_total": {"count": count, "amount": paid},
    }
