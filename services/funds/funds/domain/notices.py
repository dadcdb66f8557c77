"""Public-notice lists (公告公示) ready to publish: ids, places and amounts; never ID numbers, phones,
bank accounts or health details (a medical relief is listed as 'assistance', without its basis)."""

from sqlalchemy import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backstop_common.auth import Principal, area_prefix
from funds.enums import STAGE_LABELS, Stage, SubsidyKind
from funds.models import Beneficiary, Project, Subsidy

PUBLIC_KIND = {SubsidyKind.HOUSING_RENOVATION.value: "housing_renovation",
               SubsidyKind.EDUCATION.value: "education", SubsidyKind.MEDICAL_RELIEF.value: "assistance",
               SubsidyKind.MEDICAL_INSURANCE.value: "medical_insurance"}
SUBSIDY_HEADERS = ["village_code", "household_id", "kind", "period", "amount", "paid_on"]
PROJECT_HEADERS = ["project_id", "name", "project_type", "area_code", "year", "budget", "stage",
                   "notice_ends_at", "beneficiary_households"]


def _area(query, column, principal: Principal, area_code: str | None):
    query = query.where(column.like(principal.scope + "%"))
    return query.where(column.like(area_prefix(area_code) + "%")) if area_code else query


async def subsidy_notice(session: AsyncSession, principal: Principal, area_code: str | None,
                         period: str | None) -> list[dict]:
    query = _area(select(Subsidy), Subsidy.village_code, principal, area_code)
    if period:
        query = query.where(Subsidy.period == period)
    rows = (await session.execute(query.order_by(Subsidy.village_code, Subsidy.paid_on, Subsidy.id))).scalars()
    return [{"village_code": s.village_code, "household_id": str(s.household_id), "kind": PUBLIC_KIND[s.kind],
             "period": s.period, "amount": s.amount, "paid_on": s.paid_on} for s in rows]


async def project_notice(session: AsyncSession, principal: Principal, area_code: str | None,
                         stage: str | None) -> list[dict]:
    households = (select(Beneficiary.project_id, func.count(func.distinct(Beneficiary.household_id)).label("n"))
                  .group_by(Beneficiary.project_id).subquery())
    query = _area(select(Project, households.c.n).outerjoin(households, households.c.project_id == Project.id),
                  Project.area_code, principal, area_code)
    query = query.where(Project.stage == (stage or Stage.NOTICED.value))
    rows = await session.execute(query.order_by(Project.area_code, Project.name))
    return [{"project_id": str(p.id), "name": p.name, "project_type": p.project_type, "area_code": p.area_code,
             "year": p.year, "budget": p.budget, "stage": f"{STAGE_LABELS[Stage(p.stage)]} ({p.stage})",
             "notice_ends_at": p.notice_ends_at, "beneficiary_households": n or 0} for p, n in rows.all()]
