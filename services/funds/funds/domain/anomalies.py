"""Finance anomalies: each one recorded and published exactly once, by its key."""

import uuid
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from backstop_common.problems import Problem
from backstop_common.topics import FUNDS_FINANCE
from backstop_common.uow import UnitOfWork
from funds.enums import AnomalyKind
from funds.events import AnomalyDetected
from funds.models import Anomaly, HouseholdFact, MemberFact, Subsidy
from funds.models.columns import now


class Refused(Exception):
    """A payment refused because it is an anomaly: the anomaly is committed, then ``problem`` raised."""

    def __init__(self, problem: Problem):
        super().__init__(problem.detail)
        self.problem = problem


async def record(uow: UnitOfWork, key: str, kind: AnomalyKind, area_code: str, detail: str, *,
                 household_id: uuid.UUID | None = None, member_id: uuid.UUID | None = None,
                 project_id: uuid.UUID | None = None, payment_id: uuid.UUID | None = None,
                 allocation_id: uuid.UUID | None = None, amount: Decimal | None = None) -> uuid.UUID:
    """Insert the anomaly unless its key is known; publish only when this call inserted it.

    Returns the id of the anomaly (new or the one recorded before)."""
    values = dict(id=uuid.uuid4(), key=key, kind=kind.value, area_code=area_code, detail=detail,
                  household_id=household_id, member_id=member_id, project_id=project_id,
                  payment_id=payment_id, allocation_id=allocation_id, amount=amount, detected_at=now())
    inserted = (await uow.session.execute(
        insert(Anomaly.__table__).values(**values).on_conflict_do_nothing(index_elements=["key"])
        .returning(Anomaly.__table__.c.id)
    )).scalar_one_or_none()
    if inserted is None:
        return (await uow.session.execute(select(Anomaly.id).where(Anomaly.key == key))).scalar_one()
    uow.publish(FUNDS_FINANCE, "finance.anomaly_detected", subject=inserted, area_code=area_code,
                data=AnomalyDetected(anomaly_id=inserted, kind=kind.value, area_code=area_code,
                                     household_id=household_id, project_id=project_id,
                                     payment_id=payment_id, amount=amount, detail=detail))
    return inserted


async def review_payments_after_death(uow: UnitOfWork, household: HouseholdFact, member: MemberFact) -> None:
    """A death recorded late: every subsidy already paid to the member on or after the death is flagged."""
    query = select(Subsidy).where(Subsidy.member_id == member.id)
    if member.removed_on:
        query = query.where(Subsidy.paid_on >= member.removed_on)
    for paid in (await uow.session.execute(query)).scalars():
        await record(uow, f"deceased:payment:{paid.id}", AnomalyKind.DECEASED_BENEFICIARY, paid.village_code,
                     f"{paid.kind} for {paid.period} was paid on {paid.paid_on} to a member recorded as "
                     f"deceased on {member.removed_on}", household_id=household.id, member_id=member.id,
                     payment_id=paid.id, allocation_id=paid.allocation_id, amount=paid.amount)
