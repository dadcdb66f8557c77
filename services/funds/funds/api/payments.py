"""Disbursements to projects and subsidies to households."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from backstop_common.app import ReadModel, UoW
from backstop_common.auth import CurrentPrincipal
from backstop_common.clock import Now
from backstop_common.paging import Page, Paging
from backstop_common.problems import NotFound
from backstop_common.topics import REGISTRY_HOUSEHOLD
from backstop_common.openapi import conflicts
from funds.api.common import AreaFilter, PeriodFilter, commit
from funds.domain import disbursements, returns, standards, subsidies
from funds.enums import SubsidyKind
from funds.repository import payments as repo
from funds.repository import readmodel
from funds.schemas import DisbursementIn, DisbursementRead, ReturnIn, ReturnRead, SubsidyIn, SubsidyRead
from funds.schemas.reports import Quote

router = APIRouter(tags=["payments"])


@router.post("/disbursements", status_code=201, response_model=DisbursementRead,
             responses=conflicts("the project is not in 实施/验收, or the payment exceeds its budget or the allocation"))
async def disburse(body: DisbursementIn, uow: UoW, principal: CurrentPrincipal, now: Now):
    """资金拨付 — pays money to a project.

    A disbursement from an allocation to a project; one that breaks a rule is refused and recorded as an anomaly."""
    return await commit(uow, disbursements.disburse(uow, principal, body, now))


@router.get("/disbursements", response_model=Page[DisbursementRead])
async def list_disbursements(uow: UoW, principal: CurrentPrincipal, paging: Paging,
                             project_id: uuid.UUID | None = None, allocation_id: uuid.UUID | None = None):
    """拨付列表 — disbursements.

    Filter by project or allocation."""
    return await repo.list_disbursements(uow.session, principal, paging, project_id=project_id,
                                         allocation_id=allocation_id)


@router.post("/subsidies", status_code=201, response_model=SubsidyRead,
             responses=conflicts("already paid for this person and period, or more than the allocation holds"))
async def pay_subsidy(body: SubsidyIn, uow: UoW, principal: CurrentPrincipal, now: Now, fresh: ReadModel):
    """发放补助 — pays a subsidy to a household.

    The amount is computed from the standard (year of ``period``, household's area); never sent.

    503 with Retry-After while the registry's data may not have arrived here yet (see docs/funds.md)."""
    return await commit(uow, subsidies.pay_subsidy(uow, principal, body, now, fresh))


@router.get("/subsidies/quote", response_model=Quote)
async def quote(uow: UoW, principal: CurrentPrincipal, fresh: ReadModel, kind: SubsidyKind, household_id: uuid.UUID,
                period: Annotated[str, Query(pattern=r"^[0-9]{4}")], member_id: uuid.UUID | None = None):
    """补助测算 — what the standard gives.

    What the standard gives this household (or member) for the period; pays nothing."""
    household = await readmodel.household(uow.session, household_id)
    if household is None:
        await fresh.ensure_caught_up(REGISTRY_HOUSEHOLD, household_id=str(household_id))
    if household is None or not principal.covers(household.village_code):
        raise NotFound("household not found")
    member = await readmodel.member(uow.session, member_id) if member_id else None
    if member_id and (member is None or member.household_id != household.id):
        raise NotFound("member not found")
    due = await standards.entitlement(uow.session, kind, household, member, int(period[:4]))
    return Quote(kind=kind.value, amount=due.amount, item=due.item, basis=due.basis)


@router.get("/subsidies", response_model=Page[SubsidyRead])
async def list_subsidies(uow: UoW, principal: CurrentPrincipal, paging: Paging, household_id: uuid.UUID | None = None,
                         kind: SubsidyKind | None = None, period: PeriodFilter = None, area_code: AreaFilter = None):
    """补助发放列表 — subsidies paid.

    Filter by household, kind, period and area."""
    return await repo.list_subsidies(uow.session, principal, paging, household_id=household_id, kind=kind,
                                     period=period, area_code=area_code)


@router.get("/subsidies/{subsidy_id}", response_model=SubsidyRead)
async def read_subsidy(subsidy_id: uuid.UUID, uow: UoW, principal: CurrentPrincipal):
    """补助发放详情 — one subsidy payment.

    The payment with its amount, basis and period."""
    subsidy = await repo.subsidy(uow.session, subsidy_id)
    if subsidy is None or not principal.covers(subsidy.village_code):
        raise NotFound("subsidy not found")
    return subsidy


@router.post("/returns", status_code=201, response_model=ReturnRead,
             responses=conflicts("more is returned than is left of the payment"))
async def record_return(body: ReturnIn, uow: UoW, principal: CurrentPrincipal, now: Now):
    """资金退回 — money came back.

    退回: money of one disbursement or subsidy came back, with the reason; it is spent (and committed) no more."""
    return await commit(uow, returns.record_return(uow, principal, body, now))


@router.get("/returns", response_model=Page[ReturnRead])
async def list_returns(uow: UoW, principal: CurrentPrincipal, paging: Paging, allocation_id: uuid.UUID | None = None,
                       project_id: uuid.UUID | None = None, household_id: uuid.UUID | None = None):
    """资金退回列表 — returns.

    Filter by allocation, project or household."""
    return await repo.list_returns(uow.session, principal, paging, allocation_id=allocation_id,
                                   project_id=project_id, household_id=household_id)
