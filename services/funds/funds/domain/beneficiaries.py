"""Who a project benefits and how (联农带农), and dividends checked against the required return."""

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from backstop_common.auth import Principal
from backstop_common.freshness import Freshness
from backstop_common.money import ensure_fits, to_fen
from backstop_common.problems import Conflict, Unprocessable
from backstop_common.topics import REGISTRY_HOUSEHOLD
from backstop_common.uow import UnitOfWork
from funds.domain import access, readmodel, standards
from funds.domain.projects import get_project
from funds.enums import Benefit, ProjectType
from funds.models import Beneficiary, Dividend
from funds.schemas import BeneficiaryIn, DividendIn


async def add(uow: UnitOfWork, principal: Principal, project_id: uuid.UUID, data: BeneficiaryIn,
              fresh: Freshness = Freshness()) -> Beneficiary:
    principal.ensure_role(*access.PROJECTS)
    project = await get_project(uow, principal, project_id)
    household = await readmodel.household(uow.session, data.household_id)
    if household is None or not household.registered:
        fresh.ensure_caught_up(REGISTRY_HOUSEHOLD, household_id=str(data.household_id))
        raise Unprocessable("the household is unknown to the registry")
    if not access.reaches(project.area_code, household.village_code):
        raise Unprocessable("the household lives outside the project's area",
                            project_area=project.area_code)
    investment = data.investment
    if investment is None and data.benefit is Benefit.DIVIDEND_SHARE and project.project_type == ProjectType.INDUSTRY:
        policy = await standards.project_policy(uow.session, project.area_code, project.year)
        investment = ensure_fits(to_fen(policy.investment_per_person * data.persons), "investment") if policy else None
    beneficiary = Beneficiary(project_id=project.id, household_id=household.id, benefit=data.benefit.value,
                              persons=data.persons, investment=investment)
    try:
        async with uow.session.begin_nested():
            uow.session.add(beneficiary)
    except IntegrityError as exc:
        raise Conflict("the household already benefits from this project that way") from exc
    return beneficiary


async def record_dividend(uow: UnitOfWork, principal: Principal, project_id: uuid.UUID, data: DividendIn,
                          now: datetime) -> Dividend:
    """A dividend; ``meets_required_return`` says whether the year's dividends reach investment × rate."""
    principal.ensure_role(*access.PROJECTS)
    project = await get_project(uow, principal, project_id, lock=True)
    share = (await uow.session.execute(select(Beneficiary).where(
        Beneficiary.project_id == project.id, Beneficiary.household_id == data.household_id,
        Beneficiary.benefit == Benefit.DIVIDEND_SHARE.value))).scalar_one_or_none()
    if share is None:
        raise Unprocessable("the household holds no dividend share in this project")
    policy = await standards.project_policy(uow.session, project.area_code, data.year)
    rate = policy.min_return_rate if policy else Decimal("0.10")
    required = to_fen((share.investment or Decimal(0)) * rate)
    before = (await uow.session.execute(select(func.coalesce(func.sum(Dividend.amount), 0)).where(
        Dividend.project_id == project.id, Dividend.household_id == data.household_id,
        Dividend.year == data.year))).scalar_one()
    total = ensure_fits(Decimal(before) + data.amount, "year_total")
    dividend = Dividend(project_id=project.id, household_id=data.household_id, year=data.year, amount=data.amount,
                        required=required, year_total=total, meets_required_return=total >= required,
                        paid_on=data.paid_on or now.date())
    uow.session.add(dividend)
    await uow.session.flush()
    return dividend
