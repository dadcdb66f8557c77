"""Who a project benefits and how (联农带农), and dividends checked against the required return."""

import uuid
from datetime import datetime
from decimal import Decimal

from backstop_common.auth import Principal
from backstop_common.freshness import Freshness
from backstop_common.money import ensure_fits, to_fen
from backstop_common.problems import Conflict, Unprocessable
from backstop_common.topics import REGISTRY_HOUSEHOLD
from backstop_common.uow import UnitOfWork
from funds.domain import access
from funds.domain.projects import get_project
from funds.enums import Benefit, ProjectType
from funds.models import Beneficiary, Dividend
from funds.repository import add_unique, projects
from funds.repository import policy as policies
from funds.repository import readmodel as households
from funds.schemas import BeneficiaryIn, DividendIn


async def add(uow: UnitOfWork, principal: Principal, project_id: uuid.UUID, data: BeneficiaryIn,
              fresh: Freshness = Freshness()) -> Beneficiary:
    principal.ensure_role(*access.PROJECTS)
    project = await get_project(uow, principal, project_id)
    household = await households.household(uow.session, data.household_id)
    if household is None or not household.registered:
        await fresh.ensure_caught_up(REGISTRY_HOUSEHOLD, household_id=str(data.household_id))
        raise Unprocessable("the household is unknown to the registry")
    if not access.reaches(project.area_code, household.village_code):
        raise Unprocessable("the household lives outside the project's area",
                            project_area=project.area_code)
    investment = data.investment
    if investment is None and data.benefit is Benefit.DIVIDEND_SHARE and project.project_type == ProjectType.INDUSTRY:
        policy = await policies.project_policy(uow.session, project.area_code, project.year)
        investment = ensure_fits(to_fen(policy.investment_per_person * data.persons), "investment") if policy else None
    beneficiary = Beneficiary(project_id=project.id, household_id=household.id, benefit=data.benefit.value,
                              persons=data.persons, investment=investment)
    if not await add_unique(uow.session, beneficiary):
        raise Conflict("the household already benefits from this project that way")
    return beneficiary


async def record_dividend(uow: UnitOfWork, principal: Principal, project_id: uuid.UUID, data: DividendIn,
                          now: datetime) -> Dividend:
    """A dividend; ``meets_required_return`` says whether the year's dividends reach investment × rate."""
    principal.ensure_role(*access.PROJECTS)
    project = await get_project(uow, principal, project_id, lock=True)
    share = await projects.share(uow.session, project.id, data.household_id, Benefit.DIVIDEND_SHARE.value)
    if share is None:
        raise Unprocessable("the household holds no dividend share in this project")
    policy = await policies.project_policy(uow.session, project.area_code, data.year)
    rate = policy.min_return_rate if policy else Decimal("0.10")
    required = to_fen((share.investment or Decimal(0)) * rate)
    before = await projects.dividends_paid(uow.session, project.id, data.household_id, data.year)
    total = ensure_fits(before + data.amount, "year_total")
    dividend = Dividend(project_id=project.id, household_id=data.household_id, year=data.year, amount=data.amount,
                        required=required, year_total=total, meets_required_return=total >= required,
                        paid_on=data.paid_on or now.date())
    uow.session.add(dividend)
    await uow.session.flush()
    return dividend
