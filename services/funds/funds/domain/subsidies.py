"""Subsidies to households: checked against the read model, computed from the standards, then paid.

A refused payment that is itself an anomaly (unknown or deceased beneficiary, duplicate, overspend) is
recorded as the anomaly before ``Refused`` is raised; nothing else has been written at that point.
"""

from datetime import datetime

from backstop_common.auth import Principal
from backstop_common.freshness import Freshness
from backstop_common.i18n import msg
from backstop_common.problems import Conflict, Unprocessable
from backstop_common.topics import FUNDS_FINANCE, REGISTRY_HOUSEHOLD
from backstop_common.uow import UnitOfWork
from funds.domain import access, anomalies, ledger, standards, suggestions
from funds.enums import AnomalyKind, SubsidyKind
from funds.events import SubsidyPaid
from funds.models import Subsidy
from funds.repository import add_unique, payments, readmodel
from funds.schemas import SubsidyIn


#: paid to the household, not to one member (the premium counts the insured members itself)
HOUSEHOLD_KINDS = (SubsidyKind.HOUSING_RENOVATION, SubsidyKind.MEDICAL_INSURANCE)


async def _refuse(uow: UnitOfWork, key: str, kind: AnomalyKind, area: str, detail: str, problem, **ids):
    anomaly_id = await anomalies.record(uow, key, kind, area, detail, **ids)
    problem.extensions["anomaly_id"] = str(anomaly_id)
    raise anomalies.Refused(problem)


async def _beneficiary(uow: UnitOfWork, principal: Principal, data: SubsidyIn, allocation, fresh: Freshness):
    """The household and member the subsidy goes to, or Refused with an anomaly.

    Someone the read model does not hold is "unknown" only once it has caught up with the registry; before
    that the registry's event may still be on its way: 503, retry, and nothing is flagged."""
    key = f"{data.kind}:{data.household_id}:{data.member_id or ''}:{data.period}"
    household = await readmodel.household(uow.session, data.household_id, lock=True)
    if household is None or not household.registered:
        await fresh.ensure_caught_up(REGISTRY_HOUSEHOLD, household_id=str(data.household_id))
        await _refuse(uow, f"unknown:{key}", AnomalyKind.UNKNOWN_BENEFICIARY, allocation.area_code,
                      f"{data.kind} for {data.period} asked for a household unknown to the registry",
                      Unprocessable("the household is unknown to the registry"),
                      household_id=data.household_id, member_id=data.member_id, allocation_id=allocation.id)
    principal.ensure_covers(household.village_code, "household")
    member = await readmodel.member(uow.session, data.member_id) if data.member_id else None
    refusal = anomalies.refusal_for(member, household.id) if data.member_id else None
    if refusal is AnomalyKind.UNKNOWN_BENEFICIARY:
        await fresh.ensure_caught_up(REGISTRY_HOUSEHOLD, household_id=str(household.id))
        await _refuse(uow, f"unknown:{key}", AnomalyKind.UNKNOWN_BENEFICIARY, household.village_code,
                      f"{data.kind} for {data.period} asked for a person not in this household",
                      Unprocessable("the member is unknown to the registry in this household"),
                      household_id=household.id, member_id=data.member_id, allocation_id=allocation.id)
    if refusal is AnomalyKind.DECEASED_BENEFICIARY:
        await _refuse(uow, f"deceased:{key}", AnomalyKind.DECEASED_BENEFICIARY, household.village_code,
                      f"{data.kind} for {data.period} asked for a member recorded as deceased on {member.removed_on}",
                      Unprocessable("the member is recorded as deceased"),
                      household_id=household.id, member_id=member.id, allocation_id=allocation.id)
    return household, member


async def _refuse_duplicate(uow: UnitOfWork, kind: SubsidyKind, household, member_key: str, period: str,
                            allocation) -> None:
    """Refused (409) with a duplicate_payment anomaly when this subsidy was already paid for the period."""
    earlier = await payments.subsidy_paid(uow.session, kind.value, household.id, member_key, period)
    if earlier is not None:
        await _refuse(uow, f"duplicate:{kind}:{household.id}:{member_key}:{period}",
                      AnomalyKind.DUPLICATE_PAYMENT, household.village_code,
                      f"{kind} for {period} was already paid on {earlier.paid_on} (payment {earlier.id})",
                      Conflict("this subsidy was already paid for this person and period", payment_id=str(earlier.id)),
                      household_id=household.id, member_id=earlier.member_id, payment_id=earlier.id,
                      allocation_id=allocation.id, amount=earlier.amount)


async def pay_subsidy(uow: UnitOfWork, principal: Principal, data: SubsidyIn, now: datetime,
                      fresh: Freshness = Freshness()) -> Subsidy:
    principal.ensure_role(*access.FINANCE)
    allocation = await ledger.visible_allocation(uow.session, principal, data.allocation_id, lock=True)
    household, member = await _beneficiary(uow, principal, data, allocation, fresh)
    if not access.reaches(allocation.area_code, household.village_code):
        raise Unprocessable("the allocation belongs to another area than the household",
                            allocation_area=allocation.area_code, household_area=household.village_code)
    member_key = str(member.id) if member else ""
    kind = SubsidyKind(data.kind)
    if kind in HOUSEHOLD_KINDS and member is not None:
        raise Unprocessable(msg("{kind} is paid to the household: leave member_id out", kind=kind))
    await _refuse_duplicate(uow, kind, household, member_key, data.period, allocation)
    due = await standards.entitlement(uow.session, kind, household, member, int(data.period[:4]))
    await ledger.refuse_over_allocation(uow, allocation, due.amount, f"subsidy:{kind}:{household.id}:"
                                        f"{member_key}:{data.period}", household_id=household.id,
                                        area_code=household.village_code)
    subsidy = Subsidy(kind=kind.value, household_id=household.id, member_id=member.id if member else None,
                      member_key=member_key, village_code=household.village_code, period=data.period,
                      year=int(data.period[:4]), amount=due.amount, allocation_id=allocation.id,
                      basis={"item": due.item, **due.basis}, paid_on=data.paid_on or now.date(),
                      paid_by=principal.subject, created_at=now)
    if not await add_unique(uow.session, subsidy):  # paid concurrently through another allocation: the same duplicate
        await _refuse_duplicate(uow, kind, household, member_key, data.period, allocation)
        raise Conflict("this subsidy was already paid for this person and period")
    allocation.committed += due.amount
    allocation.spent += due.amount
    allocation.version += 1
    await uow.session.flush()
    await suggestions.mark_paid(uow, subsidy)
    uow.publish(FUNDS_FINANCE, "subsidy.paid", subject=subsidy.id, area_code=household.village_code,
                data=SubsidyPaid(subsidy_id=subsidy.id, household_id=household.id, member_id=subsidy.member_id,
                                 village_code=household.village_code, kind=kind.value, period=data.period,
                                 amount=subsidy.amount, allocation_id=allocation.id))
    return subsidy
