"""What a monitored household's facts make it eligible for: suggestions for the township, not payments."""

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from backstop_common.problems import Unprocessable
from backstop_common.uow import UnitOfWork
from funds.domain import standards
from funds.enums import SubsidyKind
from funds.models import HouseholdFact, MemberFact, Subsidy, Suggestion


async def _candidates(uow: UnitOfWork, household: HouseholdFact, year: int):
    session = uow.session
    yield None, str(year), SubsidyKind.HOUSING_RENOVATION, year
    yield None, str(year), SubsidyKind.MEDICAL_INSURANCE, year
    members = (await session.execute(select(MemberFact).where(MemberFact.household_id == household.id,
                                                               MemberFact.status == "present"))).scalars()
    for member in members:
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
        paid = (await uow.session.execute(select(Subsidy.id).where(
            Subsidy.kind == kind.value, Subsidy.household_id == household.id, Subsidy.member_key == member_key,
            Subsidy.period == period))).first()
        values = dict(id=uuid.uuid4(), household_id=household.id, village_code=household.village_code,
                      member_id=member.id if member else None, member_key=member_key, kind=kind.value,
                      period=period, amount=due.amount, basis=due.basis, case_id=household.case_id,
                      status="paid" if paid else "open")
        stmt = insert(Suggestion.__table__).values(**values)
        await uow.session.execute(stmt.on_conflict_do_update(
            index_elements=["household_id", "member_key", "kind", "period"],
            set_={"amount": stmt.excluded.amount, "basis": stmt.excluded.basis, "case_id": stmt.excluded.case_id},
            where=Suggestion.__table__.c.status == "open"))
        count += 1
    return count


async def mark_paid(uow: UnitOfWork, subsidy: Subsidy) -> None:
    rows = await uow.session.execute(select(Suggestion).where(
        Suggestion.household_id == subsidy.household_id, Suggestion.member_key == subsidy.member_key,
        Suggestion.kind == subsidy.kind, Suggestion.period == subsidy.period))
    for suggestion in rows.scalars():
        suggestion.status = "paid"
