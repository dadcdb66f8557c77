"""Disbursement and subsidy queries."""

import uuid

from sqlalchemy import select
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
