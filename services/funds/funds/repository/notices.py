"""Public-notice queries: the notices anyone may read, by place, kind, year and date; the subsidies and
projects an office lists for its own 公示."""

from datetime import datetime

from sqlalchemy import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backstop_common.auth import Principal, area_prefix
from backstop_common.paging import Page, PageParams
from funds.models import Beneficiary, Project, Subsidy
from funds.models.notices import PublicNotice
from funds.repository import page, where_equal
from funds.schemas.notices import NoticeRead


async def public_notices(session: AsyncSession, paging: PageParams, *, area_code: str | None, kind: str | None,
                         year: int | None, since: datetime | None) -> Page:
    query = where_equal(select(PublicNotice), (PublicNotice.kind, kind), (PublicNotice.year, year))
    if area_code:
        query = query.where(PublicNotice.area_code.like(area_prefix(area_code) + "%"))
    if since:
        query = query.where(PublicNotice.published_at >= since)
    return await page(session, query, paging, NoticeRead, PublicNotice.published_at.desc(), PublicNotice.id)


def _area(query, column, principal: Principal, area_code: str | None):
    query = query.where(column.like(principal.scope + "%"))
    return query.where(column.like(area_prefix(area_code) + "%")) if area_code else query


async def subsidies(session: AsyncSession, principal: Principal, area_code: str | None,
                    period: str | None) -> list[Subsidy]:
    """Subsidies paid in the caller's area (and ``area_code``), by village and day."""
    query = _area(select(Subsidy), Subsidy.village_code, principal, area_code)
    if period:
        query = query.where(Subsidy.period == period)
    return list((await session.execute(query.order_by(Subsidy.village_code, Subsidy.paid_on, Subsidy.id))).scalars())


async def projects_at(session: AsyncSession, principal: Principal, area_code: str | None,
                      stage: str) -> list[tuple[Project, int]]:
    """Projects at ``stage`` in the caller's area (and ``area_code``), each with its beneficiary households."""
    households = (select(Beneficiary.project_id, func.count(func.distinct(Beneficiary.household_id)).label("n"))
                  .group_by(Beneficiary.project_id).subquery())
    query = _area(select(Project, households.c.n).outerjoin(households, households.c.project_id == Project.id),
                  Project.area_code, principal, area_code)
    rows = await session.execute(query.where(Project.stage == stage).order_by(Project.area_code, Project.name))
    return [(project, n or 0) for project, n in rows.all()]
