"""What a monitored household's facts make it eligible for: suggestions for the township, not payments."""

from datetime import datetime

from backstop_common.problems import Unprocessable
from backstop_common.uow import UnitOfWork
from funds.domain import standards
from funds.enums import SubsidyKind
from funds.models import HouseholdFact, Subsidy
from funds.repository import payments, readmodel
from funds.repository import suggestions as repo


async def _candidates(uow: UnitOfWork, household: HouseholdFact, year: int):
    yield None, str(year), SubsidyKind.HOUSING_RENOVATION, year
    yield None, str(year), SubsidyKind.MEDICAL_INSURANCE, year
    for member in await readmodel.present_members(uow.session, household.id):
        yield member, str(year), SubsidyKind.EDUCATION, year
        medical_year = member.medical_year or year
        yield member, str(medical_year), SubsidyKind.MEDICAL_RELIEF, medical_year


async def refresh(uow: UnitOfWork, household: HouseholdFact, at: datetime) -> int:
    """Upsert an open suggestion for each subsidy the facts support; returns how many apply."""
    if not household.village_code:
        return 0
    count = 0
    async for member, period, kind, year in _candidates(uow, household, at.year):
        try:
            due = await standards.entitlement(uow.session, kind, household, member, year)
        except Unprocessable:
            continue
        member_key = str(member.id) if member else ""
        paid = await payments.subsidy_paid(uow.session, kind.value, household.id, member_key, period)
        await repo.upsert_open(uow.session, dict(
            household_id=household.id, village_code=household.village_code, member_id=member.id if member else None,
            member_key=member_key, kind=kind.value, period=period, amount=due.amount, basis=due.basis,
            case_id=household.case_id, status="paid" if paid else "open"))
        count += 1
    return count


async def mark_paid(uow: UnitOfWork, subsidy: Subsidy) -> None:
    for suggestion in await repo.for_payment(uow.session, subsidy.household_id, subsidy.member_key, subsidy.kind,
                                             subsidy.period):
        suggestion.status = "paid"
