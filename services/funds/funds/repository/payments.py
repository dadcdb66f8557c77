"""Disbursement, subsidy and return queries."""

import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backstop_common.auth import Principal, area_prefix
from backstop_common.paging import Page, PageParams
from funds.enums import SubsidyKind
from funds.models import Disbursement, MoneyReturn, Project, Subsidy
from funds.repository import page, where_equal
from funds.schemas import DisbursementRead, ReturnRead, SubsidyRead


async def list_disbursements(session: AsyncSession, principal: Principal, paging: PageParams, *,
                             project_id: uuid.UUID | None, allocation_id: uuid.UUID | None) -> Page:
    query = (select(Disbursement).join(Project, Project.id == Disbursement.project_id)
             .where(Project.area_code.like(principal.scope + "%")))
    query = where_equal(query, (Disbursement.project_id, project_id), (Disbursement.allocation_id, allocation_id))
    return await page(session, query, paging, DisbursementRead, Disbursement.paid_on, Disbursement.id)


async def list_subsidies(session: AsyncSession, principal: Principal, paging: PageParams, *,
                         household_id: uuid.UUID | None, kind: SubsidyKind | None, period: str | None,
                         area_code: str | None) -> Page:
    query = select(Subsidy).where(Subsidy.village_code.like(principal.scope + "%"))
    if area_code:
        query = query.where(Subsidy.village_code.like(area_prefix(area_code) + "%"))
    query = where_equal(query, (Subsidy.household_id, household_id), (Subsidy.kind, kind), (Subsidy.period, period))
    return await page(session, query, paging, SubsidyRead, Subsidy.paid_on, Subsidy.id)


async def list_returns(session: AsyncSession, principal: Principal, paging: PageParams, *,
                       allocation_id: uuid.UUID | None, project_id: uuid.UUID | None,
                       household_id: uuid.UUID | None) -> Page:
    query = where_equal(select(MoneyReturn).where(MoneyReturn.area_code.like(principal.scope + "%")),
                        (MoneyReturn.allocation_id, allocation_id), (MoneyReturn.project_id, project_id),
                        (MoneyReturn.household_id, household_id))
    return await page(session, query, paging, ReturnRead, MoneyReturn.returned_on, MoneyReturn.id)


async def subsidy(session: AsyncSession, subsidy_id: uuid.UUID) -> Subsidy | None:
    return await session.get(Subsidy, subsidy_id)


async def disbursement(session: AsyncSession, disbursement_id: uuid.UUID) -> Disbursement | None:
    return await session.get(Disbursement, disbursement_id)


async def subsidy_paid(session: AsyncSession, kind: str, household_id: uuid.UUID, member_key: str,
                       period: str) -> Subsidy | None:
    """The subsidy of this kind already paid to the household (or member) for the period, if any."""
    query = select(Subsidy).where(Subsidy.kind == kind, Subsidy.household_id == household_id,
                                  Subsidy.member_key == member_key, Subsidy.period == period)
    return (await session.execute(query)).scalar_one_or_none()


async def subsidies_of_member(session: AsyncSession, member_id: uuid.UUID, *, paid_from: date | None) -> list[Subsidy]:
    """What was paid to the member (on or after ``paid_from`` when given)."""
    query = select(Subsidy).where(Subsidy.member_id == member_id)
    if paid_from:
        query = query.where(Subsidy.paid_on >= paid_from)
    return list((await session.execute(query)).scalars())


async def returned_before(session: AsyncSession, *, disbursement_id: uuid.UUID | None = None,
                          subsidy_id: uuid.UUID | None = None) -> Decimal:
    """退回 so far of one payment."""
    column, payment_id = ((MoneyReturn.disbursement_id, disbursement_id) if disbursement_id
                          else (MoneyReturn.subsidy_id, subsidy_id))
    total = await session.execute(select(func.coalesce(func.sum(MoneyReturn.amount), 0)).where(column == payment_id))
    return Decimal(total.scalar_one())
