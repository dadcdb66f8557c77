"""Finance anomalies: each one recorded and published exactly once, by its key."""

import uuid
from decimal import Decimal

from backstop_common.envelope import Event
from backstop_common.problems import Problem
from backstop_common.topics import FUNDS_FINANCE
from backstop_common.uow import UnitOfWork
from funds.enums import AnomalyKind
from funds.events import AnomalyDetected, AnomalyResolved
from funds.models import HouseholdFact, MemberFact
from funds.repository import anomalies as repo
from funds.repository import payments, readmodel


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
    inserted = await repo.insert_once(uow.session, dict(
        key=key, kind=kind.value, area_code=area_code, detail=detail, household_id=household_id,
        member_id=member_id, project_id=project_id, payment_id=payment_id, allocation_id=allocation_id,
        amount=amount, detected_at=uow.clock.now()))
    if inserted is None:
        return await repo.id_by_key(uow.session, key)
    uow.publish(FUNDS_FINANCE, "finance.anomaly_detected", subject=inserted, area_code=area_code,
                data=AnomalyDetected(anomaly_id=inserted, kind=kind.value, area_code=area_code,
                                     household_id=household_id, project_id=project_id,
                                     payment_id=payment_id, amount=amount, detail=detail))
    return inserted


def refusal_for(member: MemberFact | None, household_id: uuid.UUID) -> AnomalyKind | None:
    """What paying this member of this household would be: a person the registry does not hold in it (never
    seen, of another household, or left) is unknown, one recorded as dead is deceased; a present member is fine."""
    if member is None or member.household_id != household_id or member.status == "left":
        return AnomalyKind.UNKNOWN_BENEFICIARY
    if member.status == "deceased":
        return AnomalyKind.DECEASED_BENEFICIARY
    return None


#: what the office reads on an unknown_beneficiary anomaly the registry's late event closed
ARRIVED_LATE = ("登记数据已到达（事件 {event}）：该户{who}在登记系统中存在，拒付时本服务的登记数据尚未同步；"
                "被拒的支付未发生，如仍需支付请重新提交")


async def resolve_arrived(uow: UnitOfWork, household: HouseholdFact, event: Event) -> None:
    """Close each open unknown_beneficiary anomaly of this household the registry's event shows was known.

    A household-level one closes when any registry event for the household arrives; a member-level one
    when that member is now present in the household."""
    for anomaly in await repo.open_of_household(uow.session, household.id, AnomalyKind.UNKNOWN_BENEFICIARY):
        if anomaly.member_id is not None:
            if refusal_for(await readmodel.member(uow.session, anomaly.member_id), household.id) is not None:
                continue
        anomaly.resolved_at = uow.clock.now()
        anomaly.resolution = ARRIVED_LATE.format(event=event.id, who="及其成员" if anomaly.member_id else "")
        anomaly.resolved_by_event = event.id
        uow.publish(FUNDS_FINANCE, "finance.anomaly_resolved", subject=anomaly.id, area_code=anomaly.area_code,
                    data=AnomalyResolved(anomaly_id=anomaly.id, kind=anomaly.kind, area_code=anomaly.area_code,
                                         household_id=household.id, reason=anomaly.resolution, event_id=event.id))


async def households_to_resolve(uow: UnitOfWork, household_ids: list[uuid.UUID]) -> set[uuid.UUID]:
    """Which of these households have an open unknown_beneficiary anomaly a registry event may close (a batch
    asks once, then ``resolve_arrived`` only for those)."""
    return await repo.households_with_open(uow.session, household_ids, AnomalyKind.UNKNOWN_BENEFICIARY)


async def review_payments_after_death(uow: UnitOfWork, household: HouseholdFact, member: MemberFact) -> None:
    """A death recorded late: every subsidy already paid to the member on or after the death is flagged."""
    for paid in await payments.subsidies_of_member(uow.session, member.id, paid_from=member.removed_on):
        await record(uow, f"deceased:payment:{paid.id}", AnomalyKind.DECEASED_BENEFICIARY, paid.village_code,
                     f"{paid.kind} for {paid.period} was paid on {paid.paid_on} to a member recorded as "
                     f"deceased on {member.removed_on}", household_id=household.id, member_id=member.id,
                     payment_id=paid.id, allocation_id=paid.allocation_id, amount=paid.amount)
